/*
** store_fmt.h — constants and layout rules of the native table format
** shared by the writer (store_write.c) and the reader (store_read.c).
** docs/STORAGE.md is the description another implementation should follow;
** this header is its executable half.
*/
#ifndef VM_STORE_FMT_H
#define VM_STORE_FMT_H

#include <stdint.h>
#include <string.h>
#include "store.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the table format is little-endian");

#define ST_VERSION 1u
#define ST_MAGIC "TIRTBL\0\0"      /* 8 bytes, at the start of the header and the end of the trailer */
#define ST_DEL_MAGIC "TIRDEL\0\0"  /* 8 bytes, at the start of a deletion file */
#define ST_ALIGN 64u
#define ST_HEADER 64u              /* magic, u32 version, u32 header size, zeros */
#define ST_TRAILER 32u             /* u64 footer offset, u64 footer length, u32 footer CRC, u32 version, magic */
#define ST_DEL_HEADER 40u          /* magic, u32 version, u32 0, table id[16], u64 nrows */
#define ST_ID 16u

/* Column flags in the footer. */
enum { ST_COL_NULLABLE = 1, ST_COL_UNIQUE = 2, ST_COL_BLOOM = 4 };
/* Statistic flags of a chunk entry. */
enum { ST_HAS_MIN = 1, ST_HAS_MAX = 2 };
/* String chunk encodings: plain, or dictionary with 1- or 2-byte codes. */
enum { ST_ENC_PLAIN = 0, ST_ENC_DICT8 = 1, ST_ENC_DICT16 = 2 };
/* Most distinct strings a dictionary chunk may hold (u16 codes). */
#define ST_DICT_MAX 65536u

/* Smallest footer entries, to bound counts by the bytes that must hold them. */
#define ST_COL_MIN 6u              /* u16 name length, 1-byte name, type, flags, order */
#define ST_CHUNK_MIN 30u           /* offset, length, crc, nulls, enc, stat flags, dict size */
#define ST_BLOOM_ENTRY 24u         /* offset, length, bloom blocks, crc */

static inline uint64_t st_round(uint64_t x, uint64_t a)
{
    return (x + a - 1) / a * a;
}

/* Bytes of a chunk's validity bitmap, padded so the values start aligned
** (0 when the chunk has no NULL). */
static inline uint64_t st_bitmap_bytes(uint32_t rows, uint64_t nulls)
{
    return nulls ? st_round(((uint64_t)rows + 63) / 64 * 8, ST_ALIGN) : 0;
}

/* The 64 bytes every table file starts with. */
static inline void st_header(uint8_t h[ST_HEADER])
{
    uint32_t v = ST_VERSION, hs = ST_HEADER;
    memset(h, 0, ST_HEADER);
    memcpy(h, ST_MAGIC, 8);
    memcpy(h + 8, &v, 4);
    memcpy(h + 12, &hs, 4);
}

/* Syscall helpers of the crash-safe replace protocol (store_write.c).
** Both return 0 or an errno value. */
int vm_store_write_all(int fd, const void *buf, size_t len);
/* fsyncs the directory that holds path, so a rename in it is durable. */
int vm_store_sync_dir(const char *path);
/* The writers' lock of the table at path: an exclusive flock of
** "<path>.lock" (created if missing and never removed, so that two writers
** cannot lock two different files). Blocks while another writer holds it,
** in this process or another; readers never take it. Under it no other
** writer of the table is live, so temporary files of the table's writers
** ("<path>.tmp.N", "<path>.del.tmp.N") are leftovers of crashed ones and
** are removed. Returns the lock's descriptor, or -errno. */
int vm_store_lock(const char *path);
/* Releases a lock from vm_store_lock (does nothing for a negative fd). */
void vm_store_unlock(int fd);

#endif
