/*
 * Clocks and RFC 3339 timestamps (leaf code, no logging, any thread).
 *
 * The parser reads each record's own `timestamp` with ls_time_parse_rfc3339 so sinks can send
 * event time instead of send time; raw events and several providers need UTC text back, written
 * by ls_time_format_rfc3339. Both sides use the days-from-civil arithmetic (proleptic Gregorian
 * calendar), so nothing depends on TZ, timegm or the C library's time zone state.
 */
#ifndef LS_TIME_H
#define LS_TIME_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Room for the longest text ls_time_format_rfc3339 writes, with its NUL. */
#define LS_TIME_RFC3339_MAX 32

/* Wall clock (CLOCK_REALTIME), ns since the Unix epoch. */
int64_t ls_time_now_ns(void);
/* Monotonic clock (CLOCK_MONOTONIC) in ms, for intervals and deadlines. */
int64_t ls_time_mono_ms(void);
/* *ts = now on `clock` + ms, normalised: a deadline for pthread_cond_timedwait. */
void ls_time_deadline(struct timespec *ts, clockid_t clock, int64_t ms);

/*
 * Parses an RFC 3339 date-time, the whole of s[0..n): `YYYY-MM-DD` then `T`, `t` or a space,
 * `HH:MM:SS`, an optional fraction of one or more digits (digits beyond the ninth are accepted
 * and truncated), then `Z`, `z` or `+HH:MM` / `-HH:MM`. Ranges are checked (month, day with leap
 * years, hour <= 23, minute <= 59, second <= 60, offset hour <= 23 and minute <= 59). A leap
 * second `:60` is accepted at any minute and counts as the first second of the next minute, as
 * most libraries do. On success stores ns since the Unix epoch (UTC) and returns 0; returns -1
 * on malformed text or a time outside int64 nanoseconds (about 1677..2262).
 */
int ls_time_parse_rfc3339(const char *s, size_t n, int64_t *ns_out);

/*
 * Writes ns as UTC `YYYY-MM-DDTHH:MM:SS[.fff...]Z` plus a NUL into out. digits 0..9 gives that
 * many fraction digits (truncated, not rounded; 0 means no fraction); -1 is Vector's "AutoSi":
 * no fraction when the sub-second part is 0, else the fewest of 3, 6 or 9 digits that show it
 * exactly. Times before 1970 work. Returns the length without the NUL, or 0 when digits is out
 * of range or cap is too small (LS_TIME_RFC3339_MAX is always enough).
 */
size_t ls_time_format_rfc3339(char *out, size_t cap, int64_t ns, int digits);

/* UTC breakdown of secs since the epoch (month 1..12, day 1..31); for file names and keys. */
void ls_time_civil(int64_t secs, int *year, int *month, int *day, int *hour, int *min, int *sec);

#endif
