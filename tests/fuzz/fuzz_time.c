/*
 * fuzz_time.c — ISO 8601 instants and dates as clients send them, and
 * deadlines computed from them: a parsed instant formats and parses back to
 * itself; a deadline never comes before its start.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/xtime.h"
#include "domain/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], buf[XZ_TIME_LEN];
	int64_t t, t2, day, due;
	if (size < 3 || size >= sizeof(s))
		return 0;
	memcpy(s, data + 2, size - 2);
	s[size - 2] = 0;
	if (xz_time_parse(s, &t) == 0) {
		if (xz_time_parse(xz_time_format(t, buf), &t2) != 0 || t2 != t)
			abort();
		enum xz_dl_unit u = (enum xz_dl_unit)(data[0] % 5);
		if (xz_deadline(NULL, t, data[1], u, &due) == 0 && due < t && u != 0)
			abort();
	}
	(void)xz_date_parse(s, &day);
	return 0;
}
