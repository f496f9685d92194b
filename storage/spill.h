/*
** spill.h — spill files: where an operator puts state that does not fit
** under the memory limit, to read it back later in the same run.
**
** A file is a sequence of chunks; a chunk holds n rows of some columns,
** column by column (values, validity, the bytes of long strings), with a
** CRC32C over it that is checked when the chunk is read back. Files are
** created already unlinked (O_TMPFILE, else mkstemp then unlink), so no
** name ever exists that a later run could open: nothing is left behind on
** success, on error, on cancellation or after a crash, and closing a file
** gives its blocks back. A run's spill area (vm_spill) counts the bytes its
** files hold against a cap, so a spill never fills the disk.
*/
#ifndef VM_SPILL_H
#define VM_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "tir.h"

typedef struct vm_spill vm_spill;
typedef struct vm_spill_file vm_spill_file;

/* One column to write, or one read back. width is the bytes of a value (1,
** 4, 8 or 16); string columns hold tir_str headers (width 16) whose long
** strings' bytes are written with them. validity NULL: all valid. */
typedef struct vm_spcol {
    uint8_t width;
    bool string;
    const void *data;
    const uint64_t *validity;
} vm_spcol;

/* A chunk read back: cols point into buf (long strings too), owned by the
** chunk until the next read into it or vm_spchunk_free. */
typedef struct vm_spchunk {
    uint32_t n;
    int ncols;
    vm_spcol *cols;
    void *buf;
    size_t bytes;
} vm_spchunk;

/* dir: where files go (NULL: $TMPDIR, else /tmp); cap: most bytes the
** run's files may hold at once (0: 90% of the space free in dir now; none
** when dir cannot be examined, and creating a file will say why). NULL
** when out of memory. */
vm_spill *vm_spill_new(const char *dir, uint64_t cap);
void vm_spill_free(vm_spill *s);
/* Bytes held by open files now, and written since vm_spill_new. */
uint64_t vm_spill_held(const vm_spill *s);
uint64_t vm_spill_written(const vm_spill *s);

/* Errors below are TIR_ERR_IO (no space, the cap reached, a failed write,
** a chunk that does not read back as written) or TIR_ERR_NOMEM, with a
** message in err. Each file is used by one thread at a time; several
** threads may use different files of one spill area at once. */
tir_status vm_spill_create(vm_spill *s, vm_spill_file **out, char *err, size_t errlen);
/* Appends the rows idx[0..n) (idx NULL: 0..n-1) of cols as one chunk. */
tir_status vm_spill_write(vm_spill_file *f, const vm_spcol *cols, int ncols, const uint32_t *idx, uint32_t n,
                          char *err, size_t errlen);
/* Reads the chunks back in order, from the first; c->n is 0 after the last
** one. Writing after reading has started is not allowed. */
tir_status vm_spill_read(vm_spill_file *f, vm_spchunk *c, char *err, size_t errlen);
/* The next vm_spill_read starts again from the first chunk (a file read
** by several consumers, such as a spilled hash join build side). */
void vm_spill_rewind(vm_spill_file *f);

/* Reads the chunk that starts at byte *pos of f (0: the first; a chunk
** starts where vm_spill_file_bytes was before the write that made it) and
** sets *pos to where the next one starts; c->n is 0 past the last. It
** keeps no position in f: several threads may read one file at once, each
** into its own chunk, once the file is no longer written. */
tir_status vm_spill_read_at(const vm_spill_file *f, uint64_t *pos, vm_spchunk *c, char *err, size_t errlen);
void vm_spchunk_init(vm_spchunk *c);
void vm_spchunk_free(vm_spchunk *c);
/* Rows and bytes written to f. */
uint64_t vm_spill_file_rows(const vm_spill_file *f);
uint64_t vm_spill_file_bytes(const vm_spill_file *f);
/* Closes f (NULL is fine); its bytes leave the spill area's count. */
void vm_spill_close(vm_spill_file *f);

#endif
