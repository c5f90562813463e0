/**
 * Data parallelism over several ranks (threads of one process, GPUs of one host, or hosts): the
 * {@link dev.lorapar.dist.Collective} operations a data-parallel trainer needs (sum all-reduce, broadcast,
 * barrier), an in-process implementation ({@link dev.lorapar.dist.LocalCollective}), the NCCL one
 * ({@link dev.lorapar.dist.NcclCollective}), the TCP {@link dev.lorapar.dist.Rendezvous} that hands out the NCCL
 * unique id, and the packing of a masked stage's active gradient elements
 * ({@link dev.lorapar.dist.ActivePacking}). Every blocking call has a timeout; a dead or failed rank makes the
 * others throw {@link dev.lorapar.dist.CollectiveException}.
 */
package dev.lorapar.dist;
