/*
 * routes_bulletins.c — bulletins (通报) and the units' own reports over
 * HTTP (R7.2, R7.4); placeholder until the bulletin use cases land.
 */
#include "http/http.h"

const struct xz_route xz_routes_bulletins[] = {
    {NULL, NULL, NULL, NULL, 0},
};
