/* The raw-output callback (ur_context_set_output_chunk_callback()) against a real process:
 * the chunks put together are the bytes written (a NUL and an unfinished last line
 * included), their offsets follow each other, end of stream comes once with the total, and
 * a second start counts from 0 again. The end comes when the pipe closes or, at the latest,
 * when the unit's run is over (a oneshot's at its stop). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cunit-main.h"
#include "test-util.h"
#include "unitrun.h"

struct collected {
        char data[256];
        size_t len;
        uint64_t next_offset;
        bool offsets_follow;
        unsigned eofs[3];
        uint64_t eof_offset[3];
        unsigned other_chunks; /* chunks on stderr: none expected */
};

static void on_chunk(
        ur_executor *e, ur_stream stream, const void *data, size_t len, uint64_t offset, bool eof,
        void *userdata)
{
        struct collected *c = userdata;

        CU_ASSERT_TRUE_FATAL(stream == UR_STDOUT || stream == UR_STDERR);
        if (eof) {
                c->eofs[stream]++;
                c->eof_offset[stream] = offset;
                CU_ASSERT_PTR_NULL(data);
                CU_ASSERT_EQUAL(len, 0);
                return;
        }
        if (stream != UR_STDOUT) {
                c->other_chunks++;
                return;
        }
        if (offset != c->next_offset)
                c->offsets_follow = false;
        c->next_offset = offset + len;
        if (c->len + len <= sizeof(c->data)) {
                memcpy(c->data + c->len, data, len);
                c->len += len;
        }
}

static void run_once(ur_context *ctx, ur_executor *e, struct collected *c)
{
        *c = (struct collected){ .offsets_follow = true };
        CU_ASSERT_EQUAL_FATAL(ur_executor_start(e), 0);
        /* The stream's end comes at the latest when the unit's run is over. */
        CU_ASSERT_EQUAL(ur_executor_stop(e), 0);
}

static void test_chunks(void)
{
        static const char expected[] = "one\ntwo\0three";
        char *fixture = test_fixture_path("output");
        /* -x 0: exit after the single write(); the text's escapes are the fixture's. */
        char *argv[] = { fixture, "-x", "0", "one\\ntwo\\x00three", NULL };
        ur_context *ctx = NULL;
        ur_executor *e = NULL;
        struct collected c;

        CU_ASSERT_PTR_NOT_NULL_FATAL(fixture);
        CU_ASSERT_FATAL(ur_context_new(&ctx) >= 0);
        ur_context_set_output_chunk_callback(ctx, on_chunk, &c);
        CU_ASSERT_FATAL(ur_executor_new(ctx, "chunks.service", argv, &e) >= 0);
        /* Ready once it exited cleanly: the run is over when the start returns. */
        CU_ASSERT_EQUAL(ur_executor_set_type(e, UR_TYPE_ONESHOT), 0);
        for (int round = 0; round < 2; round++) {
                run_once(ctx, e, &c);
                CU_ASSERT_EQUAL(c.eofs[UR_STDOUT], 1);
                CU_ASSERT_EQUAL(c.eofs[UR_STDERR], 1);
                CU_ASSERT_EQUAL(c.eof_offset[UR_STDERR], 0);
                CU_ASSERT_EQUAL(c.other_chunks, 0);
                CU_ASSERT_EQUAL(c.len, sizeof(expected) - 1);
                CU_ASSERT_EQUAL(memcmp(c.data, expected, sizeof(expected) - 1), 0);
                CU_ASSERT_TRUE(c.offsets_follow);
                CU_ASSERT_EQUAL(c.eof_offset[UR_STDOUT], sizeof(expected) - 1);
        }
        ur_context_set_output_chunk_callback(ctx, NULL, NULL);
        ur_context_free(ctx);
        free(fixture);
}

static CU_TestInfo tests[] = {
        { "chunks, offsets, end of stream", test_chunks },
        CU_TEST_INFO_NULL,
};

int main(void)
{
        signal(SIGPIPE, SIG_IGN);
        return cunit_run_tests("output-chunk", tests);
}
