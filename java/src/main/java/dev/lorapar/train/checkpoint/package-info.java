/**
 * Training checkpoints that survive a kill: {@link dev.lorapar.train.checkpoint.TrainingState} (named host
 * arrays, integer scalars, the run config), {@link dev.lorapar.train.checkpoint.CheckpointStore} (atomic save,
 * keep the last N, load the newest that verifies) and the file format below. Nothing here knows the trainer.
 *
 * <h2>File format {@code .lpck}, version 1</h2>
 * All integers little-endian; CRC32C is {@link java.util.zip.CRC32C} (Castagnoli), stored as u32.
 * <pre>
 * offset        size   field
 * 0             8      magic 4C 50 43 4B 0D 0A 1A 0A ("LPCK\r\n\x1a\n")
 * 8             4      u32 format version = 1
 * 12            4      u32 H = header length in bytes
 * 16            H      header: UTF-8 JSON, see below
 * 16+H          4      CRC32C of bytes [0, 16+H)          (preamble and header)
 * then, for each array in header order:
 *               n·e    the elements, little-endian (e = 4 F32 / 1 U8 / 4 I32 / 8 I64; n = product of shape)
 *               4      CRC32C of those n·e bytes
 * footer, the last 20 bytes:
 *               8      end magic 4C 50 43 4B 45 4E 44 0A ("LPCKEND\n")
 *               8      u64 length of the whole file
 *               4      CRC32C of every byte of the file before this field
 * </pre>
 * Header: {@code {"format":"lorapar-training-state","step":S,"scalars":{"name":long,…},"config":{…},
 * "arrays":[{"name":"…","dtype":"F32|U8|I32|I64","shape":[d0,…]},…]}}; no padding anywhere, so the file size
 * follows from the header and a reader checks it before reading the data. The same state always gives the same
 * bytes (insertion order, no timestamps). Reading verifies, in file order: size ≥ the smallest file, magic,
 * version, header length, header CRC, header fields, real against declared size, each array's CRC, footer magic,
 * footer length, whole-file CRC; the first fault is reported as a
 * {@link dev.lorapar.train.checkpoint.CorruptCheckpointException} naming the region.
 *
 * <h2>Crash safety</h2>
 * A save writes {@code ckpt-<step>.lpck.tmp}, forces it, renames it atomically to {@code ckpt-<step>.lpck}
 * and fsyncs the directory: a final name only ever holds a complete, forced file. A kill mid-write leaves a
 * temporary file, which loading skips (with a message) and the next save deletes.
 */
package dev.lorapar.train.checkpoint;
