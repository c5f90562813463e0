# Decides how much of the CUDA backend this machine can build.
#   FULL          nvcc and cuBLASLt found: liblorapar.so gets the CUDA backend.
#   COMPILE_ONLY  nvcc found, no cuBLAS: every kernel is compiled (so CUDA errors fail the build)
#                 but not linked; the library is CPU-only. This is the CI machine.
#   OFF           no nvcc, or -DLORAPAR_CUDA=OFF.
# -DLORAPAR_CUDA=ON makes a missing cuBLAS an error instead of a fallback.
set(LORAPAR_CUDA "AUTO" CACHE STRING "Build the CUDA backend: AUTO, ON or OFF")
set(LORAPAR_CUDA_MODE "OFF")
if(NOT LORAPAR_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # sm_80 and sm_90 machine code, plus compute_90 PTX for newer GPUs.
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90-real;90-virtual")
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    find_package(CUDAToolkit)
    find_path(LORAPAR_CUBLASLT_INCLUDE cublasLt.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
    if(CUDAToolkit_FOUND AND TARGET CUDA::cublasLt AND LORAPAR_CUBLASLT_INCLUDE)
      set(LORAPAR_CUDA_MODE "FULL")
    else()
      set(LORAPAR_CUDA_MODE "COMPILE_ONLY")
    endif()
  endif()
  if(LORAPAR_CUDA STREQUAL "ON" AND NOT LORAPAR_CUDA_MODE STREQUAL "FULL")
    message(FATAL_ERROR "LORAPAR_CUDA=ON but no CUDA toolkit with cuBLASLt was found")
  endif()
endif()
message(STATUS "lorapar CUDA backend: ${LORAPAR_CUDA_MODE}")
