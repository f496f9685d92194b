/*
** store.h — tir's native columnar table files (format in docs/STORAGE.md).
**
** A table file holds rows in blocks of a fixed row count; per block and
** column it keeps the values (fixed-width types as plain arrays, aligned,
** so kernels read them in place), a validity bitmap, min/max/null-count
** statistics and optionally a bloom filter. Every byte of the file is
** covered by a CRC32C checksum or checked exactly. Writes go to a temporary
** file that is fsynced and renamed, so a crash leaves the old table intact.
** Deleted rows live in a bitmap beside the table (<path>.del), replaced the
** same crash-safe way. Writers of one table (table writes and deletes) take
** turns on a lock file (<path>.lock); readers never wait.
*/
#ifndef VM_STORE_H
#define VM_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include "column.h"

/* Rows per block unless the writer is told otherwise (a multiple of 64). */
#define VM_STORE_BLOCK_ROWS 32768
/* Statistics of strings keep at most this many bytes; a longer max is not kept. */
#define VM_STORE_STAT_STR 64

typedef struct vm_store_colspec {
    const char *name;
    tir_type type;
    bool nullable;
    bool unique;
    uint8_t order;            /* 0 none, 1 asc, 2 desc */
    bool bloom;               /* blocks carry a bloom filter of this column */
    uint8_t prec, scale;      /* prec > 0: a decimal(prec, scale) holding the value times 10^scale: type
                                 TIR_I64 up to 18 digits (the file says TIR_DECIMAL), TIR_DECIMAL128
                                 beyond (the file says so); then the two bytes */
    bool timestamp;           /* type TIR_I64 holding microseconds since 1970 (the file says TIR_TIMESTAMP) */
} vm_store_colspec;

/* The type a column has in programs: a narrow decimal or a timestamp is stored as its i64. */
static inline tir_type vm_store_coltype(const vm_store_colspec *cs)
{
    return cs->prec && cs->type == TIR_I64 ? TIR_DECIMAL : cs->timestamp ? TIR_TIMESTAMP : cs->type;
}

/* Writes the rows of t (in the order perm[0..t->nrows), or t's order when
** perm is NULL) as a native table at path. cols describes t's columns (same
** count and types). block_rows: 0 = VM_STORE_BLOCK_ROWS, else a multiple
** of 64. The table is written to a temporary file in the same directory,
** fsynced, renamed over path and the directory fsynced; a deletion file
** left by an earlier table at path is removed. All of it under the table's
** writers' lock. On failure path is untouched, the temporary file removed,
** and err says why; the one exception, a failed sync of the directory
** after the rename, says that the new table is in place. */
tir_status vm_store_write(const char *path, const vm_table *t, const vm_store_colspec *cols,
                          const uint64_t *perm, uint32_t block_rows, char *err, size_t errlen);

/* ------------------------------------------------------------- reading */

typedef struct vm_store vm_store;

/* Statistics of one column in one block. Integers, bools and dates are
** kept in i, f64 in f, strings in s (bytes inside the mapping), wide
** decimals in w, and intervals in w as their k_iv_key (their order is not
** their parts': a file from before these has none). */
typedef union vm_store_val {
    int64_t i;
    double f;
    tir_str s;
    __int128 w;
} vm_store_val;

typedef struct vm_store_stat {
    uint64_t nulls;           /* NULL rows in the block (deleted rows included) */
    bool has_min, has_max;    /* false when every row is NULL, or a string bound was too long to keep */
    vm_store_val min, max;    /* over the non-NULL rows; f64 NaN is never a bound */
} vm_store_stat;

/* One column of one block, ready for the VM. */
typedef struct vm_store_chunk {
    tir_type type;
    uint32_t rows;
    const uint64_t *validity; /* bit i = row i not NULL; NULL when no row is NULL */
    const void *data;         /* fixed-width types: rows values of the storage type, 64-byte aligned;
                               * NULL for strings (read them with vm_store_strings) */
    uint64_t file_bytes;      /* bytes of the file this chunk occupies (for "bytes read") */
    const void *priv;         /* strings: encoding details, read through vm_store_strings */
    const void *priv2;
    uint32_t priv_n;
    uint8_t enc;
} vm_store_chunk;

/* Opens a table file: maps it read-only, checks the header, trailer and
** metadata checksums and the deletion file. Block data is checked on first
** use. Failures name the file and what is wrong (TIR_ERR_IO: cannot open or
** read; TIR_ERR_DATA: not a tir table, truncated, corrupt). */
tir_status vm_store_open(const char *path, vm_store **out, char *err, size_t errlen);
void vm_store_close(vm_store *s);

/* Whether the table file or its deletion file changed on disk since s was
** opened (size, modification time or inode), so a cache must reopen it. */
bool vm_store_stale(const vm_store *s);

const char *vm_store_path(const vm_store *s);
int vm_store_ncols(const vm_store *s);
/* NULL when c (or below, b) is out of range. */
const vm_store_colspec *vm_store_col(const vm_store *s, int c);
uint64_t vm_store_nrows(const vm_store *s);          /* deleted rows included */
uint64_t vm_store_file_bytes(const vm_store *s);
uint32_t vm_store_nblocks(const vm_store *s);
uint32_t vm_store_block_rows(const vm_store *s);     /* rows of every block but the last */
uint64_t vm_store_block_first(const vm_store *s, uint32_t b);
uint32_t vm_store_block_len(const vm_store *s, uint32_t b);
const vm_store_stat *vm_store_block_stat(const vm_store *s, uint32_t b, int c);

/* Whether block b may hold a value of column c whose hash (k_hash_* of the
** column's type) is h. True when the column has no bloom filter, or when
** its filter fails its checksum (the caller then reads the block, and the
** chunk checksum reports the corruption). */
bool vm_store_bloom_may_contain(vm_store *s, uint32_t b, int c, uint64_t h);

/* Column c of block b. Its checksum is verified the first time this handle
** reads it (safe to call from several threads at once). */
tir_status vm_store_chunk_get(vm_store *s, uint32_t b, int c, vm_store_chunk *out, char *err, size_t errlen);
/* Fills out[0..n) with rows [from, from+n) of a string chunk. Long strings
** point into the mapping (valid until vm_store_close). NULL rows get len 0. */
void vm_store_strings(const vm_store_chunk *ch, uint32_t from, uint32_t n, tir_str *out);

/* Dictionary-encoded string chunks: the number of distinct values (0 for
** any other chunk); vm_store_dict_values decodes them once, and
** vm_store_strings_dict then fills rows [from, from+n) by gathering from
** them (a NULL row's value is unspecified: its validity bit is 0). */
uint32_t vm_store_dict_size(const vm_store_chunk *ch);
void vm_store_dict_values(const vm_store_chunk *ch, tir_str *dict);
void vm_store_strings_dict(const vm_store_chunk *ch, const tir_str *dict, uint32_t from, uint32_t n,
                           tir_str *out);

/* Checks every checksum of the file and the deletion file. */
tir_status vm_store_verify(vm_store *s, char *err, size_t errlen);

/* Deleted rows: bit r set = row r deleted; NULL when none is. */
const uint64_t *vm_store_deleted(const vm_store *s);
uint64_t vm_store_ndeleted(const vm_store *s);
/* Marks rows[0..n) (row numbers in file order) deleted and persists the
** whole bitmap crash-safely (temporary file, fsync, rename, directory
** fsync) before returning; on failure nothing changes on disk or in s.
** Under the table's writers' lock it adds the rows to the deletion file as
** it is then, so deletes by other handles or processes since s was opened
** are kept (and s sees them afterwards); if the table file was replaced
** since s was opened, it fails (TIR_ERR_IO) and deletes nothing.
** Not safe while another thread scans s. */
tir_status vm_store_delete(vm_store *s, const uint64_t *rows, uint64_t n, char *err, size_t errlen);

/* CRC32C (Castagnoli) of buf, continuing from crc (start with 0). */
uint32_t vm_crc32c(uint32_t crc, const void *buf, size_t len);
/* The table-driven path vm_crc32c uses without SSE4.2 (tests compare the two). */
uint32_t vm_crc32c_portable(uint32_t crc, const void *buf, size_t len);

#endif
