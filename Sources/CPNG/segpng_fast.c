// The fast path for label-mask PNGs: libdeflate inflates the IDAT stream in one call, and the rows are
// unfiltered here straight into the label buffer. It takes only plain, well-formed files and declines
// everything else (returns 0) so that libpng, the reference, decodes or refuses them.
#include "segpng.h"

#include <libdeflate.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static const uint8_t png_signature[8] = {137, 80, 78, 71, 13, 10, 26, 10};

#define TYPE(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/// One chunk at `pos`, its CRC checked. Returns 0 when it does not fit the data or the CRC is wrong.
static int read_chunk(const uint8_t *data, size_t size, size_t pos, uint32_t *type, uint32_t *length) {
  if (size - pos < 12 || pos > size) return 0;
  uint32_t len = be32(data + pos);
  if (len > 0x7fffffffu || (size_t)len > size - pos - 12) return 0;
  uint32_t crc = be32(data + pos + 8 + len);
  if ((uint32_t)libdeflate_crc32(0, data + pos + 4, (size_t)len + 4) != crc) return 0;
  *type = be32(data + pos + 4);
  *length = len;
  return 1;
}

uint32_t segpng_crc32(uint32_t crc, const uint8_t *data, size_t size) {
  return (uint32_t)libdeflate_crc32(crc, data, size);
}

int segpng_fast_header(const uint8_t *data, size_t size, segpng_fast_info *info) {
  if (data == NULL || info == NULL || size < 8 + 25) return 0;
  if (memcmp(data, png_signature, 8) != 0) return 0;
  uint32_t type = 0, len = 0;
  if (!read_chunk(data, size, 8, &type, &len) || type != TYPE('I', 'H', 'D', 'R') || len != 13) return 0;
  const uint8_t *h = data + 16;
  uint32_t w = be32(h), ht = be32(h + 4);
  int depth = h[8], ctype = h[9];
  if (w == 0 || ht == 0 || w > 0x7fffffffu || ht > 0x7fffffffu) return 0;
  if (h[10] != 0 || h[11] != 0 || h[12] != 0) return 0; /* compression, filter method, interlace */
  if (ctype == 0) {
    if (depth != 1 && depth != 2 && depth != 4 && depth != 8 && depth != 16) return 0;
  } else if (ctype == 3) {
    if (depth != 1 && depth != 2 && depth != 4 && depth != 8) return 0;
  } else {
    return 0;
  }
  info->width = w;
  info->height = ht;
  info->bit_depth = depth;
  info->color_type = ctype;
  return 1;
}

/* One decompressor per thread, kept for the thread's life (allocating one costs more than a small mask). */
static pthread_key_t decompressor_key;
static pthread_once_t decompressor_once = PTHREAD_ONCE_INIT;
static void free_decompressor(void *d) { libdeflate_free_decompressor((struct libdeflate_decompressor *)d); }
static void make_key(void) { pthread_key_create(&decompressor_key, free_decompressor); }

static struct libdeflate_decompressor *thread_decompressor(void) {
  pthread_once(&decompressor_once, make_key);
  struct libdeflate_decompressor *d = pthread_getspecific(decompressor_key);
  if (d == NULL) {
    d = libdeflate_alloc_decompressor();
    if (d != NULL) pthread_setspecific(decompressor_key, d);
  }
  return d;
}

static inline uint8_t paeth(uint8_t a, uint8_t b, uint8_t c) {
  int p = (int)a + (int)b - (int)c;
  int pa = abs(p - (int)a), pb = abs(p - (int)b), pc = abs(p - (int)c);
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

/// Unfilters one row: `raw` (filter byte then n bytes) into `dst`, with `prior` the previous unfiltered
/// row (NULL for the first). `bpp` is the filter's byte distance. Returns 0 on a bad filter byte.
static int unfilter_row(const uint8_t *raw, uint8_t *dst, const uint8_t *prior, size_t n, size_t bpp) {
  uint8_t f = raw[0];
  const uint8_t *s = raw + 1;
  if (prior == NULL) {
    /* The row above is zeros: Up is None, Average is half of left, Paeth is Sub. */
    if (f == 2) f = 0;
    else if (f == 4) f = 1;
  }
  size_t i;
  switch (f) {
  case 0:
    memcpy(dst, s, n);
    return 1;
  case 1:
    for (i = 0; i < bpp && i < n; i++) dst[i] = s[i];
    for (; i < n; i++) dst[i] = (uint8_t)(s[i] + dst[i - bpp]);
    return 1;
  case 2:
    for (i = 0; i < n; i++) dst[i] = (uint8_t)(s[i] + prior[i]);
    return 1;
  case 3:
    if (prior == NULL) {
      for (i = 0; i < bpp && i < n; i++) dst[i] = s[i];
      for (; i < n; i++) dst[i] = (uint8_t)(s[i] + (dst[i - bpp] >> 1));
    } else {
      for (i = 0; i < bpp && i < n; i++) dst[i] = (uint8_t)(s[i] + (prior[i] >> 1));
      for (; i < n; i++) dst[i] = (uint8_t)(s[i] + (((unsigned)dst[i - bpp] + prior[i]) >> 1));
    }
    return 1;
  case 4:
    for (i = 0; i < bpp && i < n; i++) dst[i] = (uint8_t)(s[i] + prior[i]);
    if (bpp == 1) {
      /* Where the row above is flat (b == c), |p - a| = |b - c| = 0 and Paeth picks a: the byte is
         Sub's. Masks are flat almost everywhere, so this short chain is the common case. */
      uint8_t a = n ? dst[0] : 0;
      for (; i < n; i++) {
        uint8_t b = prior[i], c = prior[i - 1];
        a = (uint8_t)(s[i] + (b == c ? a : paeth(a, b, c)));
        dst[i] = a;
      }
    } else {
      for (; i < n; i++) dst[i] = (uint8_t)(s[i] + paeth(dst[i - bpp], prior[i], prior[i - bpp]));
    }
    return 1;
  default:
    return 0;
  }
}

int segpng_fast_decode(const uint8_t *data, size_t size, uint8_t *out8, uint16_t *out16) {
  segpng_fast_info info;
  if (!segpng_fast_header(data, size, &info)) return 0;
  const uint32_t w = info.width, h = info.height;
  const int depth = info.bit_depth;
  if ((depth == 16 && out16 == NULL) || (depth != 16 && out8 == NULL)) return 0;

  /* Walk the chunks after IHDR: at most one PLTE (required for palette images, none for gray) before
     the IDATs, the IDATs in one run, then ancillary chunks, then IEND. Anything else declines. */
  size_t pos = 8 + 25;
  int seen_plte = 0, idat_state = 0; /* 0 before, 1 in the run, 2 after */
  size_t first_idat = 0, idat_count = 0, idat_total = 0;
  int ended = 0;
  while (!ended) {
    uint32_t type = 0, len = 0;
    if (!read_chunk(data, size, pos, &type, &len)) return 0;
    for (int k = 0; k < 4; k++) {
      uint8_t c = data[pos + 4 + k];
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return 0; /* libpng refuses the name */
    }
    int critical = !(type & 0x20000000u);
    if (type == TYPE('I', 'D', 'A', 'T')) {
      if (idat_state == 2) return 0;
      if (info.color_type == 3 && !seen_plte) return 0;
      if (idat_state == 0) first_idat = pos;
      idat_state = 1;
      idat_count++;
      idat_total += len;
    } else {
      if (idat_state == 1) idat_state = 2;
      if (type == TYPE('I', 'E', 'N', 'D')) {
        if (len != 0 || idat_state == 0) return 0;
        ended = 1;
      } else if (type == TYPE('P', 'L', 'T', 'E')) {
        if (info.color_type != 3 || seen_plte || idat_state != 0) return 0;
        if (len == 0 || len % 3 != 0 || len / 3 > (1u << depth)) return 0;
        seen_plte = 1;
      } else if (critical) {
        return 0; /* IHDR again, or a critical chunk nobody knows */
      } else if (len > (1u << 20)) {
        return 0; /* a large ancillary chunk: libpng's limits and parsers decide */
      } else if (type == TYPE('t', 'R', 'N', 'S') || type == TYPE('b', 'K', 'G', 'D') || type == TYPE('h', 'I', 'S', 'T')) {
        if (info.color_type == 3 && !seen_plte) return 0; /* libpng checks these against the palette */
      }
      /* Reserved bit (third letter upper-case) must be set to 0: libpng treats others as unknown. */
      if (!ended && (type & 0x00002000u)) return 0;
    }
    pos += 12 + (size_t)len;
  }
  if (idat_total == 0) return 0;

  /* The zlib stream: the IDAT payloads, joined only when there are several. */
  const uint8_t *zdata = data + first_idat + 8;
  uint8_t *joined = NULL;
  if (idat_count > 1) {
    joined = malloc(idat_total);
    if (joined == NULL) return 0;
    size_t p = first_idat, filled = 0;
    for (size_t i = 0; i < idat_count; i++) {
      uint32_t len = be32(data + p);
      memcpy(joined + filled, data + p + 8, len);
      filled += len;
      p += 12 + (size_t)len;
    }
    zdata = joined;
  }

  const size_t rowbytes = ((size_t)w * (size_t)depth + 7) / 8;
  const size_t bpp = depth == 16 ? 2 : 1;
  const size_t expected = (size_t)h * (rowbytes + 1);
  if (expected / (rowbytes + 1) != h) {
    free(joined);
    return 0;
  }
  /* libpng inflates row by row through zlib, which refuses a distance beyond the window the stream
     declares; libdeflate does not look. A declared window smaller than the image therefore declines. */
  if (idat_total >= 2) {
    size_t window = (size_t)1 << ((zdata[0] >> 4) + 8);
    if ((zdata[0] >> 4) > 7 || (window < expected && (zdata[0] >> 4) < 7)) {
      free(joined);
      return 0;
    }
  }
  uint8_t *raw = malloc(expected);
  struct libdeflate_decompressor *d = thread_decompressor();
  if (raw == NULL || d == NULL) {
    free(raw);
    free(joined);
    return 0;
  }
  size_t in_used = 0, out_made = 0;
  enum libdeflate_result res = libdeflate_zlib_decompress_ex(d, zdata, idat_total, raw, expected, &in_used, &out_made);
  free(joined);
  if (res != LIBDEFLATE_SUCCESS || out_made != expected || in_used != idat_total) {
    free(raw);
    return 0;
  }

  int ok = 1;
  if (depth == 8) {
    /* Straight into the label buffer: each output row is the previous row's prior. */
    for (uint32_t y = 0; y < h && ok; y++) {
      uint8_t *dst = out8 + (size_t)y * w;
      ok = unfilter_row(raw + (size_t)y * (rowbytes + 1), dst, y ? dst - w : NULL, rowbytes, 1);
    }
  } else {
    /* In place in the inflated rows, then unpacked or byte-swapped. */
    uint8_t *prev = NULL;
    for (uint32_t y = 0; y < h && ok; y++) {
      uint8_t *row = raw + (size_t)y * (rowbytes + 1);
      ok = unfilter_row(row, row + 1, prev, rowbytes, bpp);
      prev = row + 1;
    }
    for (uint32_t y = 0; y < h && ok; y++) {
      const uint8_t *s = raw + (size_t)y * (rowbytes + 1) + 1;
      if (depth == 16) {
        uint16_t *dst = out16 + (size_t)y * w;
        for (uint32_t x = 0; x < w; x++) dst[x] = (uint16_t)(((unsigned)s[2 * x] << 8) | s[2 * x + 1]);
      } else {
        uint8_t *dst = out8 + (size_t)y * w;
        const unsigned per = 8u / (unsigned)depth, mask = (1u << depth) - 1u;
        for (uint32_t x = 0; x < w; x++) {
          unsigned shift = 8u - (unsigned)depth * (x % per + 1u);
          dst[x] = (uint8_t)((s[x / per] >> shift) & mask);
        }
      }
    }
  }
  free(raw);
  return ok;
}

int segpng_zlib_compress(const uint8_t *in, size_t size, int level, uint8_t **out, size_t *out_size) {
  if (out == NULL || out_size == NULL) return 1;
  uLongf cap = compressBound((uLong)size);
  uint8_t *buf = malloc(cap ? cap : 1);
  if (buf == NULL) return 1;
  if (compress2(buf, &cap, in, (uLong)size, level) != Z_OK) {
    free(buf);
    return 1;
  }
  *out = buf;
  *out_size = cap;
  return 0;
}

long segpng_inflate_raw(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size, int partial) {
  if (!partial) {
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d) return -1;
    size_t got = 0;
    enum libdeflate_result r = libdeflate_deflate_decompress(d, in, in_size, out, out_size, &got);
    libdeflate_free_decompressor(d);
    return (r == LIBDEFLATE_SUCCESS && got == out_size) ? (long)got : -1;
  }
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -15) != Z_OK) return -1;
  size_t produced = 0;
  int status = Z_OK;
  while (produced < out_size && status == Z_OK) {
    size_t in_done = (size_t)z.total_in;
    uInt avail_in = (uInt)((in_size - in_done) > 0x40000000u ? 0x40000000u : (in_size - in_done));
    uInt avail_out = (uInt)((out_size - produced) > 0x40000000u ? 0x40000000u : (out_size - produced));
    z.next_in = (Bytef *)(in + in_done);
    z.avail_in = avail_in;
    z.next_out = out + produced;
    z.avail_out = avail_out;
    status = inflate(&z, Z_NO_FLUSH);
    produced = (size_t)z.total_out;
    if (status == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR) return -1;
  return (long)produced;
}
