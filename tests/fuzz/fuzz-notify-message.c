/* Fuzzes notify_message_parse() on exactly the datagram bytes (not NUL-terminated: the
 * harness passes a buffer of exactly size bytes, so a read past it is caught). */
#include "fuzz-util.h"
#include "notify-message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct notify_message m = { 0 };
        char *copy;
        int r;

        if (size > 2 * NOTIFY_MESSAGE_MAX)
                return 0;
        copy = malloc(size ? size : 1);
        if (!copy)
                abort();
        memcpy(copy, data, size);
        r = notify_message_parse(copy, size, &m);
        if (r >= 0) {
                if (size > NOTIFY_MESSAGE_MAX || memchr(copy, 0, size))
                        abort(); /* documented: -EBADMSG */
                if (m.main_pid < 0 || m.errno_value < 0)
                        abort();
                notify_message_done(&m);
        }
        free(copy);
        return 0;
}
