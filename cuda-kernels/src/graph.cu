/*
 * graph.cu — CUDA graph capture of an lp_stream (lp_graph_* in lorapar.h): begin / end a stream capture,
 * instantiate, launch, destroy. The capture is thread-local (cudaStreamCaptureModeThreadLocal): only the
 * capturing thread is barred from calls that could synchronize or allocate. Before it begins, the
 * stream's cuBLASLt context is created (its workspace is a cudaMalloc, which a capture forbids). A graph
 * holds a reference on its capture stream's backend state (lp_cuda_state_ref), since the recorded kernels
 * use that stream's scratch arena and cuBLASLt workspace.
 */
#include "cuda_common.cuh"
#include "gemm.cuh"

extern "C" lp_status lp_cuda_graph_begin_capture(lp_stream stream) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    LP_CUDA_CHECK(cudaStreamIsCapturing(lp_cuda_stream_of(stream), &capture));
    if (capture != cudaStreamCaptureStatusNone)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_graph_begin_capture: the stream on cuda:%d is already capturing",
                       (int)stream->device);
    LP_CHECK(lp_cuda_gemm_prepare(stream));
    LP_CUDA_CHECK(cudaStreamBeginCapture(lp_cuda_stream_of(stream), cudaStreamCaptureModeThreadLocal));
    return LP_OK;
}

extern "C" lp_status lp_cuda_graph_end_capture(lp_stream stream, lp_graph graph) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    cudaStream_t s = lp_cuda_stream_of(stream);
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    LP_CUDA_CHECK(cudaStreamIsCapturing(s, &capture));
    if (capture == cudaStreamCaptureStatusNone)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_graph_end_capture: the stream on cuda:%d is not capturing "
                       "(lp_graph_begin_capture first)", (int)stream->device);
    cudaGraph_t captured = NULL;
    cudaError_t err = cudaStreamEndCapture(s, &captured);
    if (err != cudaSuccess) {
        if (captured != NULL) (void)cudaGraphDestroy(captured);
        (void)cudaGetLastError();
        return lp_fail(LP_ERR_CUDA,
                       "lp_graph_end_capture: the capture on cuda:%d failed: %s (%s); an op queued during the "
                       "capture was not capturable (see lp_graph_begin_capture in lorapar.h); the stream is "
                       "usable again",
                       (int)stream->device, cudaGetErrorString(err), cudaGetErrorName(err));
    }
    cudaGraphExec_t exec = NULL;
    err = cudaGraphInstantiate(&exec, captured, 0);
    (void)cudaGraphDestroy(captured);
    LP_CUDA_CHECK(err);
    lp_cuda_state *state = lp_cuda_state_of(stream);
    lp_cuda_state_ref(state);
    graph->device = stream->device;
    graph->exec = (void *)exec;
    graph->owner = state;
    return LP_OK;
}

extern "C" lp_status lp_cuda_graph_launch(lp_graph graph, lp_stream stream) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CUDA_CHECK(cudaGraphLaunch((cudaGraphExec_t)graph->exec, lp_cuda_stream_of(stream)));
    return LP_OK;
}

extern "C" lp_status lp_cuda_graph_release(lp_graph graph) {
    lp_status result = lp_cuda_use_device(graph->device), st;
    if (graph->exec != NULL && (st = LP_CUDA_STATUS(cudaGraphExecDestroy((cudaGraphExec_t)graph->exec))) != LP_OK)
        result = st;
    graph->exec = NULL;
    if (graph->owner != NULL && (st = lp_cuda_state_unref((lp_cuda_state *)graph->owner, 1)) != LP_OK) result = st;
    graph->owner = NULL;
    return result;
}
