/*
 * cpu_no_contract.h — include FIRST in a CPU file whose float arithmetic must round after every
 * operation exactly as written (no fused multiply-add contraction), so that an independent
 * reference (the Java tests) doing the same operations in the same order gets the same bits.
 * GCC in GNU C mode contracts a·b + c into an FMA by default (-ffp-contract=fast).
 */
#ifndef LORAPAR_CPU_NO_CONTRACT_H
#define LORAPAR_CPU_NO_CONTRACT_H

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#endif /* LORAPAR_CPU_NO_CONTRACT_H */
