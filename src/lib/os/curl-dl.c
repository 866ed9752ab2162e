/* dlopen() of libcurl at first use; see curl-dl.h. */
#define CURL_DL_IMPLEMENTATION
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#include "curl-dl.h"
#include "macro.h"

struct curl_dl curl_dl;

int curl_dl_load(const char **ret_error)
{
        static const struct {
                const char *name;
                size_t offset;
        } symbols[] = {
#define SYM(field, name) { #name, offsetof(struct curl_dl, field) }
                SYM(global_init, curl_global_init),
                SYM(easy_init, curl_easy_init),
                SYM(easy_setopt, curl_easy_setopt),
                SYM(easy_getinfo, curl_easy_getinfo),
                SYM(easy_cleanup, curl_easy_cleanup),
                SYM(easy_strerror, curl_easy_strerror),
                SYM(free, curl_free),
                SYM(multi_init, curl_multi_init),
                SYM(multi_setopt, curl_multi_setopt),
                SYM(multi_add_handle, curl_multi_add_handle),
                SYM(multi_remove_handle, curl_multi_remove_handle),
                SYM(multi_assign, curl_multi_assign),
                SYM(multi_socket_action, curl_multi_socket_action),
                SYM(multi_info_read, curl_multi_info_read),
                SYM(multi_cleanup, curl_multi_cleanup),
                SYM(slist_append, curl_slist_append),
                SYM(slist_free_all, curl_slist_free_all),
                SYM(url, curl_url),
                SYM(url_cleanup, curl_url_cleanup),
                SYM(url_get, curl_url_get),
                SYM(url_set, curl_url_set),
#undef SYM
        };
        static int loaded; /* 1 done, -errno failed */
        void *handle;

        if (loaded > 0)
                return 0;
        if (loaded < 0) {
                *ret_error = "HTTP= needs libcurl (libcurl.so.4), which cannot be loaded";
                return loaded;
        }
        /* Never closed: libcurl keeps global state (curl_global_init) for the process. */
        handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!handle) {
                loaded = -ENOENT;
                *ret_error = "HTTP= needs libcurl (libcurl.so.4), which cannot be loaded";
                return loaded;
        }
        for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
                void *f = dlsym(handle, symbols[i].name);

                if (!f) {
                        loaded = -ENOENT;
                        *ret_error = "HTTP= needs libcurl 7.62 or later (curl_url() and friends)";
                        return loaded;
                }
                /* Object and function pointers have one representation on Linux (dlsym(3)). */
                *(void **) ((char *) &curl_dl + symbols[i].offset) = f;
        }
        loaded = 1;
        return 0;
}
