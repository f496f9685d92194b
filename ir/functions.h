/*
** functions.h — the scalar functions of expressions, declared once:
** X(ID, name, fewest arguments, most arguments, synopsis) expands into the
** id enum (a checked call records its id), the checker's table and the
** list an unknown name is answered with. NULL in, NULL out, unless the
** synopsis says otherwise.
*/
#ifndef IR_FUNCTIONS_H
#define IR_FUNCTIONS_H

#define IR_FN_MANY 64

#define IR_FUNCTIONS(X)                                                                              \
    X(ABS,          "abs",          1, 1, "absolute value")                                          \
    X(SIGN,         "sign",         1, 1, "-1, 0 or 1 (i32)")                                        \
    X(FLOOR,        "floor",        1, 1, "largest integer not above x (integers unchanged)")        \
    X(CEIL,         "ceil",         1, 1, "smallest integer not below x (integers unchanged)")       \
    X(TRUNC,        "trunc",        1, 1, "x without its fraction (integers unchanged)")             \
    X(ROUND,        "round",        1, 2, "x rounded to d decimal digits (default 0), halves away from zero") \
    X(SQRT,         "sqrt",         1, 1, "square root (f64); NULL below 0")                         \
    X(LN,           "ln",           1, 1, "natural logarithm (f64); NULL at or below 0")             \
    X(EXP,          "exp",          1, 1, "e to the power x (f64)")                                  \
    X(POWER,        "power",        2, 2, "x to the power y (f64); NULL where undefined")            \
    X(COALESCE,     "coalesce",     1, IR_FN_MANY, "the first argument that is not NULL; later ones are evaluated only for the rows that need them") \
    X(NULLIF,       "nullif",       2, 2, "NULL when a = b, else a")                                 \
    X(GREATEST,     "greatest",     1, IR_FN_MANY, "the largest argument, NULLs ignored (NULL when all are)") \
    X(LEAST,        "least",        1, IR_FN_MANY, "the smallest argument, NULLs ignored (NULL when all are)") \
    X(BETWEEN,      "between",      3, 3, "x between lo and hi, written as a call: lo <= x and x <= hi (bool)") \
    X(LENGTH,       "length",       1, 1, "characters of a string (i64)")                            \
    X(OCTET_LENGTH, "octet_length", 1, 1, "bytes of a string (i64)")                                 \
    X(SUBSTRING,    "substring",    2, 3, "characters from start (1-based), optionally at most len") \
    X(UPPER,        "upper",        1, 1, "upper case (Unicode simple case mapping)")                \
    X(LOWER,        "lower",        1, 1, "lower case (Unicode simple case mapping)")                \
    X(TRIM,         "trim",         1, 2, "without leading and trailing spaces (or characters of the 2nd argument)") \
    X(LTRIM,        "ltrim",        1, 2, "without leading spaces (or characters of the 2nd argument)") \
    X(RTRIM,        "rtrim",        1, 2, "without trailing spaces (or characters of the 2nd argument)") \
    X(STARTS_WITH,  "starts_with",  2, 2, "s begins with p (bool)")                                  \
    X(ENDS_WITH,    "ends_with",    2, 2, "s ends with p (bool)")                                    \
    X(CONTAINS,     "contains",     2, 2, "p occurs in s (bool)")                                    \
    X(STRPOS,       "strpos",       2, 2, "character position of the first p in s, 0 when absent (i64)") \
    X(REPLACE,      "replace",      3, 3, "s with every `from` replaced by `to`")                    \
    X(LPAD,         "lpad",         3, 3, "s padded on the left with fill to n characters (cut to n when longer)") \
    X(RPAD,         "rpad",         3, 3, "s padded on the right with fill to n characters (cut to n when longer)") \
    X(CONCAT,       "concat",       1, IR_FN_MANY, "the strings one after another, NULLs as empty (never NULL)") \
    X(YEAR,         "year",         1, 1, "year of a date (i32)")                                    \
    X(QUARTER,      "quarter",      1, 1, "quarter of a date, 1-4 (i32)")                            \
    X(MONTH,        "month",        1, 1, "month of a date, 1-12 (i32)")                             \
    X(WEEK,         "week",         1, 1, "ISO week of a date, 1-53 (i32)")                          \
    X(DAY,          "day",          1, 1, "day of the month of a date (i32)")                        \
    X(DOW,          "dow",          1, 1, "day of the week, Sunday 0 .. Saturday 6 (i32)")           \
    X(ISODOW,       "isodow",       1, 1, "ISO day of the week, Monday 1 .. Sunday 7 (i32)")         \
    X(DOY,          "doy",          1, 1, "day of the year, 1-366 (i32)")                            \
    X(DECADE,       "decade",       1, 1, "year / 10, toward zero (i32)")                            \
    X(CENTURY,      "century",      1, 1, "century of a date: 2000 is in the 20th, 2001 the 21st, 1 BC (year 0) the -1st (i32)") \
    X(MILLENNIUM,   "millennium",   1, 1, "millennium of a date, counted as century is (i32)")       \
    X(ISOYEAR,      "isoyear",      1, 1, "ISO 8601 week-numbering year: that of the week's Thursday (i32)") \
    X(HOUR,         "hour",         1, 1, "hour of a timestamp, 0-23 (i32)")                         \
    X(MINUTE,       "minute",       1, 1, "minute of a timestamp, 0-59 (i32)")                       \
    X(SECOND,       "second",       1, 1, "second of a timestamp, 0-59 (i32)")                       \
    X(MILLISECOND,  "millisecond",  1, 1, "milliseconds of a timestamp's minute, 0-59999 (i32)")     \
    X(MICROSECOND,  "microsecond",  1, 1, "microseconds of a timestamp's minute, 0-59999999 (i32)")  \
    X(EPOCH,        "epoch",        1, 1, "seconds since 1970-01-01 00:00:00 of a timestamp (f64)")  \
    X(DATE_PART,    "date_part",    2, 2, "the part (a name extract takes, as a string) of a date or timestamp") \
    X(DATE_TRUNC,   "date_trunc",   2, 2, "the start of the part (\"year\" ... \"day\"; of a timestamp also \"hour\" ... \"microsecond\") holding d") \
    X(DATE_DIFF,    "date_diff",    3, 3, "part boundaries crossed from a to b (i64)")              \
    X(REGEXP_MATCHES, "regexp_matches", 2, 3, "the regular expression p (PCRE2) matches somewhere in s (bool); flags \"i\" (caseless), \"c\"") \
    X(REGEXP_REPLACE, "regexp_replace", 3, 4, "s with the first match of p replaced by r (\\1..\\9 groups, \\0 the match); flags \"g\" (all matches), \"i\", \"c\"") \
    X(REGEXP_EXTRACT, "regexp_extract", 2, 3, "group g (an integer literal, default 0: the whole match) of the first match of p in s, \"\" when none")

/* The parts of a date or timestamp that extract, date_part, date_trunc and
** date_diff name; from hour on, of timestamps only. In the order of the
** functions named as them (vm/lower.c asserts it). */
#define IR_DATE_PARTS(X) \
    X(YEAR, "year") X(QUARTER, "quarter") X(MONTH, "month") X(WEEK, "week") X(DAY, "day") \
    X(DOW, "dow") X(ISODOW, "isodow") X(DOY, "doy") \
    X(DECADE, "decade") X(CENTURY, "century") X(MILLENNIUM, "millennium") X(ISOYEAR, "isoyear") X(HOUR, "hour") X(MINUTE, "minute") X(SECOND, "second") \
    X(MILLISECOND, "millisecond") X(MICROSECOND, "microsecond") X(EPOCH, "epoch")
#define IR_X_DP_ENUM(ID, name) IR_DP_##ID,
typedef enum ir_datepart { IR_DATE_PARTS(IR_X_DP_ENUM) IR_NDATEPARTS } ir_datepart;
#undef IR_X_DP_ENUM

const char *ir_datepart_name(ir_datepart p);   /* print.c */

#define IR_X_FN_ENUM(ID, name, lo, hi, syn) IR_FN_##ID,
typedef enum ir_fn { IR_FUNCTIONS(IR_X_FN_ENUM) IR_NFUNCTIONS } ir_fn;
#undef IR_X_FN_ENUM

#endif
