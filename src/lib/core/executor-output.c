/* The executor's output as an embedder steers it: pausing the pipes (backpressure from a
 * slow sink) and the size of the capture behind ur_executor_get_output(). The reading
 * itself is output.c's; the lines reach the context's callback in executor-lifecycle.c. */
#include <errno.h>

#include "internal.h"
#include "output.h"

int ur_executor_set_output_paused(ur_executor *e, bool paused)
{
        int r = 0;

        if (!e)
                return -EINVAL;
        for (unsigned i = 0; i < 2; i++) {
                int k = output_stream_set_paused(&e->out[i], paused);
                if (k < 0 && r == 0)
                        r = k;
        }
        return r;
}

int ur_executor_set_output_capture(ur_executor *e, size_t max_bytes)
{
        if (!e)
                return -EINVAL;
        for (unsigned i = 0; i < 2; i++)
                output_stream_set_capture_max(&e->out[i], max_bytes);
        return 0;
}
