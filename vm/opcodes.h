/*
** opcodes.h — the VM's instruction set, declared once. Each X(NAME, synopsis)
** expands into the opcode enum, the name table, the disassembler and the
** dispatch switch. Typed families are expanded per element type here, so the
** kernel an instruction calls is fixed when the program is lowered.
**
** Operand conventions: r[x] vector registers, s[x] selection registers
** (row lists of the instruction's frame; s[-1] = all rows), k[x] constants
** (literals and other pipelines' tuple fields, resolved when the pipeline
** starts), f = frame (row space: the scan batch, or a join's output chunk).
*/
#ifndef VM_OPCODES_H
#define VM_OPCODES_H

#define VM_NUM(X, F, syn) X(F##_I32, syn) X(F##_I64, syn) X(F##_F64, syn)
#define VM_INT(X, F, syn) X(F##_I32, syn) X(F##_I64, syn)
#define VM_ORD(X, F, syn) VM_NUM(X, F, syn) X(F##_STR, syn)
#define VM_ALL(X, F, syn) VM_ORD(X, F, syn) X(F##_BOOL, syn)
#define VM_KEY(X, F, syn) VM_ALL(X, F, syn) X(F##_D128, syn) X(F##_IV, syn)
#define VM_CMPS(X, F, syn) F(X, EQ, syn) F(X, NE, syn) F(X, LT, syn) F(X, LE, syn) F(X, GT, syn) F(X, GE, syn)
#define VM_SELVC(X, C, syn) VM_ORD(X, SEL_##C##_VC, syn)
#define VM_SELVV(X, C, syn) VM_ORD(X, SEL_##C##_VV, syn)
#define VM_CMPV(X, C, syn) VM_ALL(X, CMP_##C, syn)
#define VM_SELW(X, C, syn) X(SEL_##C##_D128, syn)
#define VM_CMPW(X, C, syn) X(CMP_##C##_D128, syn)
#define VM_MASKVC(X, C, syn) VM_NUM(X, MASK_##C##_VC, syn)
#define VM_CMPIV(X, C, syn) X(CMP_##C##_IV, syn)
#define VM_MASKR(X, L, U, syn) VM_NUM(X, MASK_##L##_##U##_VCC, syn)

#define VM_OPCODES(X)                                                                     \
    X(SCAN,         "frame 0 = next batch of the source; bind its column registers")      \
    X(END,          "end of the program for this batch; resume a pending join chunk")      \
    X(ROWID,        "r[c] = the source row number of each row of frame 0")                  \
    VM_KEY(X, BLOOM_SEL, "s[c] = rows of s[b] where r[a] is not NULL and may be in the scan's bloom d (r[e]: hashes)") \
    VM_KEY(X, BLOOM_ADD, "add the hashes of r[a]'s non-NULL rows over s[d] to bloom sink b (r[e]: hashes)") \
    X(JOIN_LOOP,    "if join a has more output for this batch, jump back to pc b")          \
    VM_CMPS(X, VM_SELVC, "s[c] = rows of s[b] where r[a] <op> k[d] (NULLs never qualify)") \
    VM_CMPS(X, VM_SELVV, "s[c] = rows of s[b] where r[a] <op> r[d] (NULLs never qualify)") \
    VM_CMPS(X, VM_MASKVC, "mask r[c] = r[a] <op> k[d] for every row of frame f (e = 1: ANDed into r[c])") \
    VM_MASKR(X, GE, LE, "mask r[c] = k[d] <= r[a] <= k[b] for every row of frame f (e = 1: ANDed)") \
    VM_MASKR(X, GE, LT, "mask r[c] = k[d] <= r[a] < k[b] for every row of frame f (e = 1: ANDed)")  \
    VM_MASKR(X, GT, LE, "mask r[c] = k[d] < r[a] <= k[b] for every row of frame f (e = 1: ANDed)")  \
    VM_MASKR(X, GT, LT, "mask r[c] = k[d] < r[a] < k[b] for every row of frame f (e = 1: ANDed)")   \
    X(SEL_MASK,     "s[c] = rows of s[b] whose bit in mask r[a] is set")                     \
    X(SEL_TRUE,     "s[c] = rows of s[b] where r[a] is true (not NULL)")                    \
    X(SEL_NOT_TRUE, "s[c] = rows of s[b] where r[a] is false or NULL")                      \
    X(SEL_NONE,     "s[c] = no rows (comparison with a NULL constant)")                     \
    X(SEL_DIFF,     "s[c] = rows of s[b] that are not in s[a] (a subset of s[b])")          \
    X(SEL_UNION,    "s[c] = rows of s[a] and of s[b] (disjoint), ascending")                \
    X(ADAPT,        "s[c] = rows of s[b] passing all the conjuncts that follow, run cheapest first (adapt.c)") \
    VM_NUM(X, ADD, "r[c] = r[a] + r[b] over s[d] (i32/i64: overflow is an error)")            \
    VM_NUM(X, SUB, "r[c] = r[a] - r[b] over s[d] (i32/i64: overflow is an error)")            \
    VM_NUM(X, MUL, "r[c] = r[a] * r[b] over s[d] (i32/i64: overflow is an error)")            \
    VM_NUM(X, DIV, "r[c] = r[a] / r[b] over s[d]; division by zero gives NULL")             \
    VM_NUM(X, MOD, "r[c] = r[a] % r[b] over s[d]; division by zero gives NULL")             \
    VM_NUM(X, NEG, "r[c] = -r[a] over s[d] (i32/i64: overflow is an error)")                  \
    VM_NUM(X, ABS, "r[c] = abs(r[a]) over s[d] (i32/i64: overflow is an error)")              \
    X(DEC_ADD,      "r[c] = r[a] + r[b] over s[d], decimals of one scale; more than e digits is an error") \
    X(DEC_SUB,      "r[c] = r[a] - r[b] over s[d], decimals of one scale; more than e digits is an error") \
    X(DEC_MUL,      "r[c] = r[a] * r[b] over s[d], decimals (scales add); more than e digits is an error") \
    X(DEC_RESCALE,  "r[c] = r[a] from scale b & 255 to scale b >> 8 over s[d], halves away from zero; more than e digits is an error") \
    X(DEC_TRUNC,    "r[c] = trunc(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d]; more than e digits is an error") \
    X(DEC_FLOOR,    "r[c] = floor(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d]; more than e digits is an error") \
    X(DEC_CEIL,     "r[c] = ceil(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d]; more than e digits is an error") \
    X(DEC_ROUND,    "r[c] = round(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d], halves away from zero; more than e digits is an error") \
    X(DEC_TO_F64,   "r[c] = r[a] / 10^e as f64 over s[d]")                                    \
    X(F64_TO_DEC,   "r[c] = r[a] * 10^b rounded half away from zero over s[d]; more than e digits is an error") \
    X(DEC_TO128,    "r[c] = r[a] (i64, scale b & 255) as a wide decimal at scale b >> 8 over s[d]; more than e digits is an error") \
    X(DEC_WIDE_TO64, "r[c] = wide r[a] (scale b & 255) as an i64 at scale b >> 8 over s[d], halves away from zero; more than e digits is an error") \
    X(DEC_WIDE_RESCALE, "r[c] = wide r[a] from scale b & 255 to scale b >> 8 over s[d], halves away from zero; more than e digits is an error") \
    X(DEC_WIDE_TO_F64, "r[c] = wide r[a] / 10^e as f64 over s[d]")                          \
    X(F64_TO_DEC_WIDE, "r[c] = r[a] * 10^b as a wide decimal, halves away from zero, over s[d]; more than e digits is an error") \
    VM_CMPS(X, VM_CMPV, "r[c] = r[a] <op> r[b] over s[d] (bool, NULL if either is NULL)")  \
    VM_CMPS(X, VM_SELW, "s[c] = rows of s[b] where wide decimal r[a] <op> r[d] (NULLs never qualify; r[d] a constant: one value)") \
    VM_CMPS(X, VM_CMPW, "r[c] = wide decimal r[a] <op> r[b] over s[d] (bool, NULL if either is NULL)") \
    X(DEC_WIDE_ADD, "r[c] = r[a] + r[b] over s[d], wide decimals of one scale; more than e digits is an error") \
    X(DEC_WIDE_SUB, "r[c] = r[a] - r[b] over s[d], wide decimals of one scale; more than e digits is an error") \
    X(DEC_WIDE_MUL, "r[c] = r[a] * r[b] over s[d], wide decimals (scales add); more than e digits is an error") \
    X(DEC_WIDE_NEG, "r[c] = -r[a] over s[d], a wide decimal")                                  \
    X(DEC_WIDE_ABS, "r[c] = abs(r[a]) over s[d], a wide decimal")                              \
    X(DEC_WIDE_SIGN, "r[c] = sign(r[a]) (i32) over s[d], a wide decimal")                      \
    X(DEC_WIDE_MOD, "r[c] = r[a] % r[b] over s[d], wide decimals of one scale; a zero divisor gives NULL") \
    X(DEC_WIDE_TRUNC, "r[c] = trunc(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d], wide; more than e digits is an error") \
    X(DEC_WIDE_FLOOR, "r[c] = floor(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d], wide; more than e digits is an error") \
    X(DEC_WIDE_CEIL, "r[c] = ceil(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d], wide; more than e digits is an error") \
    X(DEC_WIDE_ROUND, "r[c] = round(r[a] / 10^(b & 255)) * 10^(b >> 8) over s[d], wide, halves away from zero; more than e digits is an error") \
    X(AND,          "r[c] = r[a] && r[b] over s[d], three-valued")                          \
    X(OR,           "r[c] = r[a] || r[b] over s[d], three-valued")                          \
    X(NOT,          "r[c] = !r[a] over s[d]")                                               \
    X(IS_NULL,      "r[c] = r[a] is null over s[d]")                                        \
    X(IS_NOT_NULL,  "r[c] = r[a] is not null over s[d]")                                    \
    X(LIKE,         "r[c] = r[a] like pattern k[b] over s[d]")                              \
    X(NOT_LIKE,     "r[c] = r[a] not like pattern k[b] over s[d]")                          \
    X(LIKE_V,       "r[c] = r[a] like r[b] (escape k[e] when e >= 0) over s[d]")             \
    X(ILIKE_V,      "r[c] = lower(r[a]) like lower(r[b]) (escape k[e] when e >= 0) over s[d]") \
    VM_ALL(X, IN,   "r[c] = r[a] in constants k[b..b+e) over s[d]")                         \
    X(COPY_W1,      "r[c][i] = r[a][i] for i in s[d] (1-byte values, with validity)")        \
    X(COPY_W4,      "r[c][i] = r[a][i] for i in s[d] (4-byte values, with validity)")        \
    X(COPY_W8,      "r[c][i] = r[a][i] for i in s[d] (8-byte values, with validity)")        \
    X(COPY_W16,     "r[c][i] = r[a][i] for i in s[d] (strings, with validity)")              \
    X(SET_NULL,     "r[c][i] = NULL for i in s[d]")                                          \
    X(CAST_I32_I64, "r[c] = (i64) r[a] over s[d]")                                          \
    X(CAST_I32_F64, "r[c] = (f64) r[a] over s[d]")                                          \
    X(CAST_I64_F64, "r[c] = (f64) r[a] over s[d]")                                          \
    X(CAST_I64_I32, "r[c] = (i32) r[a] over s[d]; out of range is an error")                \
    X(CAST_F64_I64, "r[c] = (i64) r[a] over s[d], truncating; out of range is an error")    \
    X(CAST_F64_I32, "r[c] = (i32) r[a] over s[d], truncating; out of range is an error")    \
    X(CAST_BOOL_I64,"r[c] = (i64) r[a] over s[d]")                                          \
    X(CAST_BOOL_I32,"r[c] = (i32) r[a] over s[d]")                                          \
    X(CAST_TO_STR,  "r[c] = text of r[a] (type e & 255; a decimal's scale e >> 8) over s[d]") \
    X(CAST_STR_TO,  "r[c] = r[a] parsed as type e & 255 (decimal: scale e >> 8 & 255, precision e >> 16) over s[d]; bad text is an error") \
    X(SUBSTR,       "r[c] = substring(r[a], r[b], r[e] or to the end) over s[d]")            \
    X(LENGTH,       "r[c] = length(r[a]) in characters over s[d]")                          \
    X(OCTET_LENGTH, "r[c] = length(r[a]) in bytes over s[d]")                                \
    VM_NUM(X, SIGN, "r[c] = sign of r[a] (i32: -1, 0 or 1) over s[d]")                       \
    X(FLOOR_F64,    "r[c] = floor(r[a]) over s[d]")                                          \
    X(CEIL_F64,     "r[c] = ceil(r[a]) over s[d]")                                           \
    X(TRUNC_F64,    "r[c] = r[a] without its fraction over s[d]")                            \
    VM_NUM(X, ROUND, "r[c] = r[a] rounded to r[b] digits (b < 0: 0) over s[d], halves away from zero (i32/i64: overflow is an error)") \
    X(SQRT_F64,     "r[c] = sqrt(r[a]) over s[d]; NULL below 0")                             \
    X(LN_F64,       "r[c] = ln(r[a]) over s[d]; NULL at or below 0")                         \
    X(EXP_F64,      "r[c] = e^r[a] over s[d]; NULL when too large for a double")             \
    X(POWER_F64,    "r[c] = r[a]^r[b] over s[d]; NULL where undefined or infinite")          \
    X(UPPER,        "r[c] = r[a] in upper case over s[d]")                                   \
    X(LOWER,        "r[c] = r[a] in lower case over s[d]")                                   \
    X(TRIM,         "r[c] = r[a] without leading (e & 1) and trailing (e & 2) characters of r[b] (b < 0: spaces) over s[d]") \
    X(STARTS_WITH,  "r[c] = r[a] begins with r[b] over s[d]")                                \
    X(ENDS_WITH,    "r[c] = r[a] ends with r[b] over s[d]")                                  \
    X(CONTAINS,     "r[c] = r[b] occurs in r[a] over s[d]")                                  \
    X(STRPOS,       "r[c] = character position of the first r[b] in r[a], 0 if none, over s[d]") \
    X(REPLACE,      "r[c] = r[a] with every r[b] replaced by r[e] over s[d]")                \
    X(LPAD,         "r[c] = r[a] padded on the left with r[e] to r[b] characters over s[d]") \
    X(RPAD,         "r[c] = r[a] padded on the right with r[e] to r[b] characters over s[d]") \
    X(CONCAT,       "r[c] = r[a] then r[b] (b < 0: r[a] alone) over s[d], NULL as empty")     \
    X(REGEXP_MATCHES, "r[c] = regular expression b (vm_rxdef) matches in r[a] over s[d]")    \
    X(REGEXP_REPLACE, "r[c] = r[a] with expression b's first (or every) match replaced by r[e] over s[d]") \
    X(REGEXP_EXTRACT, "r[c] = a group of expression b's first match in r[a] over s[d]")     \
    X(DATE_PART,    "r[c] = field e (vm_datepart) of date r[a] over s[d]")                   \
    X(DATE_TRUNC,   "r[c] = date r[a] truncated to the start of part e over s[d]")           \
    X(DATE_DIFF,    "r[c] = part e boundaries from date r[a] to date r[b] over s[d]")         \
    X(TS_PART,      "r[c] = field e (vm_datepart) of timestamp r[a] over s[d] (i32)")        \
    X(TS_EPOCH,     "r[c] = seconds since 1970 of timestamp r[a] over s[d] (f64)")           \
    X(TS_TRUNC,     "r[c] = timestamp r[a] truncated to the start of part e over s[d]")      \
    X(TS_DIFF,      "r[c] = part e boundaries from timestamp r[a] to timestamp r[b] over s[d]") \
    X(CAST_DATE_TS, "r[c] = date r[a] as the timestamp of its midnight over s[d]")           \
    X(TS_ADD_INTERVAL, "r[c] = timestamp r[a] + the interval of months << 32 | days r[b] and microseconds r[e] over s[d]; overflow is an error") \
    X(CAST_TS_DATE, "r[c] = the day of timestamp r[a] over s[d]")                            \
    X(LIMIT,        "s[c] = rows of s[b] left after skipping/limiting with counter a")      \
    X(JOIN_PROBE,   "join a: probe its hash table with the keys over s[b]; start frame f")  \
    X(JOIN_GATHER_W1, "r[c] = r[a] gathered by join b's probe rows (1-byte values)")       \
    X(JOIN_GATHER_W4, "r[c] = r[a] gathered by join b's probe rows (4-byte values)")       \
    X(JOIN_GATHER_W8, "r[c] = r[a] gathered by join b's probe rows (8-byte values)")       \
    X(JOIN_GATHER_W16,"r[c] = r[a] gathered by join b's probe rows (strings)")              \
    X(JOIN_HT_W1,   "r[c] = hash-table column a at join b's matches, NULL where none (1 byte)") \
    X(JOIN_HT_W4,   "r[c] = hash-table column a at join b's matches, NULL where none (4 bytes)") \
    X(JOIN_HT_W8,   "r[c] = hash-table column a at join b's matches, NULL where none (8 bytes)") \
    X(JOIN_HT_W16,  "r[c] = hash-table column a at join b's matches, NULL where none (strings)") \
    X(JOIN_COND,    "s[c] = rows of join a's chunk of pairs in s[b], its condition (other chunks: all); marks what matched") \
    X(JOIN_SEMI,    "s[c] = probe rows of semi (anti) join a with (without) a pair its condition held for") \
    X(AGG_COUNT,    "aggregate slot a += count of non-NULL r[b] over s[d]")                 \
    X(AGG_COUNT_STAR,"aggregate slot a += rows of s[d]")                                    \
    VM_NUM(X, AGG_SUM, "aggregate slot a += sum of r[b] over s[d]")                         \
    VM_INT(X, AGG_AVG, "aggregate slot a: 128-bit sum and count of r[b] over s[d], for avg") \
    X(AGG_VAR_F64,  "aggregate slot a: count, mean and squared deviations of r[b] over s[d]") \
    X(AGG_STRAGG,   "aggregate slot a: append the valid strings of r[b] over s[d], separated") \
    VM_ORD(X, AGG_MIN, "aggregate slot a = min(slot a, r[b] over s[d])")                    \
    VM_ORD(X, AGG_MAX, "aggregate slot a = max(slot a, r[b] over s[d])")                    \
    X(AGG_SUM_D128, "aggregate slot a += sum of wide decimal r[b] over s[d] (past 16 bytes: an error)") \
    X(AGG_AVG_D128, "aggregate slot a: 16-byte sum (past it: an error) and count of wide decimal r[b] over s[d], for avg") \
    X(AGG_MIN_D128, "aggregate slot a = min(slot a, wide decimal r[b] over s[d])")          \
    X(AGG_MAX_D128, "aggregate slot a = max(slot a, wide decimal r[b] over s[d])")          \
    X(AGG_MIN_IV,   "aggregate slot a = min(slot a, interval r[b] over s[d]) in DuckDB's order") \
    X(AGG_MAX_IV,   "aggregate slot a = max(slot a, interval r[b] over s[d]) in DuckDB's order") \
    X(HT_INSERT,    "insert keys/values of build a over s[d] into its hash table")          \
    X(GROUP_FIND,   "r[c] = group ids of group-by a for its keys over s[d] (new groups added)") \
    X(GAGG_COUNT,   "group-by a, slot e: count[r[c]] += r[b] not NULL over s[d]")            \
    X(GAGG_COUNT_STAR,"group-by a, slot e: count[r[c]] += 1 over s[d]")                       \
    VM_NUM(X, GAGG_SUM, "group-by a, slot e: sum[r[c]] += r[b] over s[d]")                   \
    VM_INT(X, GAGG_AVG, "group-by a, slot e: 128-bit sum[r[c]] += r[b] over s[d], for avg")  \
    X(GAGG_VAR_F64, "group-by a, slot e: count, mean and squared deviations of r[b] per r[c] over s[d]") \
    X(GAGG_STRAGG,  "group-by a, slot e: append the valid strings of r[b] to r[c]'s, separated, over s[d]") \
    VM_ORD(X, GAGG_MIN, "group-by a, slot e: min[r[c]] = min(min[r[c]], r[b]) over s[d]")    \
    VM_ORD(X, GAGG_MAX, "group-by a, slot e: max[r[c]] = max(max[r[c]], r[b]) over s[d]")    \
    X(GAGG_SUM_D128, "group-by a, slot e: sum[r[c]] += wide decimal r[b] over s[d] (past 16 bytes: an error)") \
    X(GAGG_AVG_D128, "group-by a, slot e: 16-byte sum[r[c]] += wide decimal r[b] over s[d], for avg") \
    X(GAGG_MIN_D128, "group-by a, slot e: min[r[c]] = min(min[r[c]], wide decimal r[b]) over s[d]") \
    X(GAGG_MAX_D128, "group-by a, slot e: max[r[c]] = max(max[r[c]], wide decimal r[b]) over s[d]") \
    X(GAGG_MIN_IV,  "group-by a, slot e: min[r[c]] = min(min[r[c]], interval r[b]) over s[d], DuckDB's order") \
    X(GAGG_MAX_IV,  "group-by a, slot e: max[r[c]] = max(max[r[c]], interval r[b]) over s[d], DuckDB's order") \
    X(EMIT,         "append columns of relation a over s[d] to its materialized result")   \
    X(SORT_ADD,     "append the rows of s[d] and their keys to sort a (sort or window)")    \
    VM_NUM(X, TOPN_CUT, "s[c] = rows of s[b] whose first key r[a] may still enter the top-N of sort d") \
    X(MJOIN_PROBE,  "join a: merge the keys over s[b] with its sorted right side; start frame f") \
    X(MJOIN_RIGHT_W1, "r[c] = right column a at join b's matches, NULL where none (1 byte)") \
    X(MJOIN_RIGHT_W4, "r[c] = right column a at join b's matches, NULL where none (4 bytes)") \
    X(MJOIN_RIGHT_W8, "r[c] = right column a at join b's matches, NULL where none (8 bytes)") \
    X(MJOIN_RIGHT_W16,"r[c] = right column a at join b's matches, NULL where none (strings)") \
    X(MJOIN_RIGHT_X16,"r[c] = right column a at join b's matches, NULL where none (wide decimals, intervals)") \
    X(PROFILE,      "profile: rows of statement a += rows of s[d]")                       \
    X(TS_SUB_TS,    "r[c] = interval timestamp r[a] - timestamp r[b] (days and microseconds) over s[d]; overflow is an error") \
    X(TS_ADD_IV,    "r[c] = timestamp r[a] + interval r[b] over s[d]; overflow is an error") \
    X(IV_ADD,       "r[c] = interval r[a] + interval r[b], part by part, over s[d]; overflow is an error") \
    X(IV_SUB,       "r[c] = interval r[a] - interval r[b], part by part, over s[d]; overflow is an error") \
    X(IV_MUL,       "r[c] = interval r[a] * i64 r[b] (an i32 factor) over s[d]; overflow is an error") \
    X(IV_NEG,       "r[c] = -interval r[a] over s[d]; overflow is an error")                 \
    VM_CMPS(X, VM_CMPIV, "r[c] = interval r[a] op interval r[b], normalized as DuckDB compares them, over s[d]") \
    X(IV_PART,      "r[c] = part e (vm_datepart) of interval r[a] over s[d] (i64)")          \
    X(IV_EPOCH,     "r[c] = seconds in interval r[a] (a year 365.25 days, a month 30) over s[d] (f64)")

typedef enum vm_opcode {
#define VM_X_ENUM(name, syn) VM_OP_##name,
    VM_OPCODES(VM_X_ENUM)
#undef VM_X_ENUM
    VM_NOPCODES
} vm_opcode;

extern const char *const vm_opcode_names[VM_NOPCODES];
extern const char *const vm_opcode_synopsis[VM_NOPCODES];

#endif
