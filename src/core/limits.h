/*
 * limits.h — every size limit in Xiezhi, named in one place.
 * A buffer, list or input that can grow is capped by one of these.
 */
#ifndef XZ_LIMITS_H
#define XZ_LIMITS_H

#define XZ_MAX_BODY (1u << 20)           /* JSON request body: 1 MiB          */
#define XZ_MAX_UPLOAD (64u << 20)        /* multipart evidence upload: 64 MiB */
#define XZ_SPOOL_BODY (1u << 20)         /* a larger body is spooled to disk  */
#define XZ_MAX_URL 2048                  /* request path and query            */
#define XZ_MAX_HEADER 8192               /* any single header value           */
#define XZ_MAX_PATH_PARAMS 4             /* {id} captures per route           */
#define XZ_MAX_RESPONSE (64u << 20)      /* a JSON response                   */
#define XZ_MAX_NAME 200                  /* names of people, units, regions   */
#define XZ_MAX_CODE 64                   /* codes and usernames               */
#define XZ_MAX_TEXT 20000                /* free text: descriptions, reasons  */
#define XZ_MAX_PASSWORD 256              /* password length accepted          */
#define XZ_MIN_PASSWORD 12               /* password length required          */
#define XZ_PAGE_DEFAULT 50               /* list page size                    */
#define XZ_PAGE_MAX 500                  /* list page size cap                */
#define XZ_MAX_SQL_PARAMS 32             /* bound parameters per statement    */
#define XZ_UNREAD_MAX 1000               /* an inbox's unread count stops here */
#define XZ_DUP_MAX 50                    /* duplicates offered, nearest first  */
#define XZ_DUP_IN_REPORT 10              /* of them in a report's answer       */
#define XZ_MAX_ROWS 100000               /* rows one query may materialise    */
#define XZ_MAX_LOG_LINE 1024             /* one log line                      */
#define XZ_WRITER_SLOW_MS 100            /* a longer hold of the writer is logged */
#define XZ_DB_POOL 8                     /* database connections per server   */
#define XZ_SQLITE_HEAP_LIMIT (8 << 20)  /* SQLite's memory, every connection  */
#define XZ_WAL_RESTART_FRAMES 8192       /* SQLite WAL pages (~32 MB) before the
                                            scheduler starts the file again     */
#define XZ_HTTP_THREADS 4                /* HTTP worker threads               */
#define XZ_HASH_CONCURRENCY 2            /* argon2id hashes at once (64 MiB each) */
#define XZ_RATE_SOURCES 4096             /* login rate-limit table entries    */
#define XZ_MAX_ROLES 9                   /* roles one user may hold           */
#define XZ_MAX_RING_POINTS 10000         /* positions in one polygon ring     */
#define XZ_MAX_RINGS 64                  /* rings in one geometry, all polygons */
#define XZ_MAX_SHEET_ROWS 20000          /* non-empty rows in an imported sheet */
#define XZ_MAX_SHEET_COLS 64             /* columns in an imported sheet      */
#define XZ_MAX_SHEET_XML (256u << 20)    /* one XLSX part, decompressed       */
#define XZ_TICK_SECONDS 30               /* scheduler pass: deadlines, outbound */
#define XZ_FTS_BATCH 1000                /* problems put in the SQLite text index
                                            in one transaction (one segment)  */
#define XZ_MAX_PDF (16u << 20)           /* one rendered PDF document: 16 MiB */
#define XZ_MAX_DOC_BODY (256u << 10)     /* body text of a 公文, UTF-8 bytes  */
#define XZ_MAX_OPEN311_BODY (64u << 10)  /* an Open311 form post: 64 KiB      */
#define XZ_MAX_CATEGORY_CODES 20         /* power codes one category maps onto */
#define XZ_MAX_CALENDAR_DAYS 3660        /* days in one calendar import       */
#define XZ_MAX_CALENDARS 16              /* county calendars cached at once   */
#define XZ_MAX_TRACK_POINTS 20000        /* positions in one patrol track     */
#define XZ_MAX_PATROL_ITEMS 500          /* items of the patrol checklist     */
#define XZ_MAX_TRACK_BATCH 2000          /* positions in one live track batch */
#define XZ_MAX_CELL_MEMBERS 200          /* grid members of one cell          */
#define XZ_MAX_QUAL_DOMAINS 32           /* domains of one qualification      */
#define XZ_MAX_SQL 8192                  /* one dynamically built SQL text    */
#define XZ_MAX_ARENA_STRING (80u << 10)  /* one xz_arena_printf result        */
#define XZ_MAX_ASSIGN_DAYS 90            /* a department's 交办 deadline: days ahead */
#define XZ_MAX_ASSIGN_WORKING_DAYS 60    /* … or working days ahead           */

#endif
