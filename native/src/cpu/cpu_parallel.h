/* cpu_parallel.h — when the CPU backend's elementwise loops are worth an OpenMP team. */
#ifndef LORAPAR_CPU_PARALLEL_H
#define LORAPAR_CPU_PARALLEL_H

/* Below this many elements a loop runs on the calling thread (team start-up would dominate). */
#define LP_CPU_PARALLEL_MIN_ELEMENTS 32768

#endif /* LORAPAR_CPU_PARALLEL_H */
