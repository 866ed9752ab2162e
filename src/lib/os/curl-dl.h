/* libcurl loaded at the first HTTP= check (dlopen), not at program start: a run without
 * HTTP maps libc and little else (libcurl alone pulls in ~28 libraries, ~5 ms of dynamic
 * linking at every start). Files that call libcurl include this header instead of
 * <curl/curl.h>: the curl_* names they use become calls through the loaded table. */
#pragma once

#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK
#endif
#include <curl/curl.h>

struct curl_dl {
        CURLcode (*global_init)(long flags);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
        CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
        void (*easy_cleanup)(CURL *curl);
        const char *(*easy_strerror)(CURLcode code);
        void (*free)(void *p);
        CURLM *(*multi_init)(void);
        CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);
        CURLMcode (*multi_add_handle)(CURLM *multi, CURL *curl);
        CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *curl);
        CURLMcode (*multi_assign)(CURLM *multi, curl_socket_t sockfd, void *sockp);
        CURLMcode (*multi_socket_action)(CURLM *multi, curl_socket_t s, int ev_bitmask, int *running);
        CURLMsg *(*multi_info_read)(CURLM *multi, int *msgs_in_queue);
        CURLMcode (*multi_cleanup)(CURLM *multi);
        struct curl_slist *(*slist_append)(struct curl_slist *list, const char *string);
        void (*slist_free_all)(struct curl_slist *list);
        CURLU *(*url)(void);
        void (*url_cleanup)(CURLU *handle);
        CURLUcode (*url_get)(const CURLU *handle, CURLUPart what, char **part, unsigned int flags);
        CURLUcode (*url_set)(CURLU *handle, CURLUPart what, const char *part, unsigned int flags);
};

extern struct curl_dl curl_dl;

/* Loads libcurl.so.4 once; 0, or -ENOENT with a message in *ret_error (static) when it is
 * missing or lacks a function. */
int curl_dl_load(const char **ret_error);

#ifndef CURL_DL_IMPLEMENTATION
#undef curl_global_init
#define curl_global_init curl_dl.global_init
#undef curl_easy_init
#define curl_easy_init curl_dl.easy_init
#undef curl_easy_setopt
#define curl_easy_setopt curl_dl.easy_setopt
#undef curl_easy_getinfo
#define curl_easy_getinfo curl_dl.easy_getinfo
#undef curl_easy_cleanup
#define curl_easy_cleanup curl_dl.easy_cleanup
#undef curl_easy_strerror
#define curl_easy_strerror curl_dl.easy_strerror
#undef curl_free
#define curl_free curl_dl.free
#undef curl_multi_init
#define curl_multi_init curl_dl.multi_init
#undef curl_multi_setopt
#define curl_multi_setopt curl_dl.multi_setopt
#undef curl_multi_add_handle
#define curl_multi_add_handle curl_dl.multi_add_handle
#undef curl_multi_remove_handle
#define curl_multi_remove_handle curl_dl.multi_remove_handle
#undef curl_multi_assign
#define curl_multi_assign curl_dl.multi_assign
#undef curl_multi_socket_action
#define curl_multi_socket_action curl_dl.multi_socket_action
#undef curl_multi_info_read
#define curl_multi_info_read curl_dl.multi_info_read
#undef curl_multi_cleanup
#define curl_multi_cleanup curl_dl.multi_cleanup
#undef curl_slist_append
#define curl_slist_append curl_dl.slist_append
#undef curl_slist_free_all
#define curl_slist_free_all curl_dl.slist_free_all
#undef curl_url
#define curl_url curl_dl.url
#undef curl_url_cleanup
#define curl_url_cleanup curl_dl.url_cleanup
#undef curl_url_get
#define curl_url_get curl_dl.url_get
#undef curl_url_set
#define curl_url_set curl_dl.url_set
#endif
