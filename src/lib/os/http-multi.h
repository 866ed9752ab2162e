/* libcurl's multi interface driven by the context's epoll loop: curl tells us which
 * sockets and which timeout it cares about (CURLMOPT_SOCKETFUNCTION/TIMERFUNCTION), we
 * tell it what happened (curl_multi_socket_action). One per context, made on first use. */
#pragma once

#include "curl-dl.h"

struct loop;
struct http_multi;

/* Called once the transfer is over (result CURLE_OK or an error); the handle is removed
 * from the multi but not cleaned up. */
typedef void (*http_done_fn)(CURL *easy, CURLcode result, void *userdata);

int http_multi_new(struct loop *l, struct http_multi **ret);
struct http_multi *http_multi_free(struct http_multi *m);

int http_multi_add(struct http_multi *m, CURL *easy, http_done_fn done, void *userdata);
void http_multi_remove(struct http_multi *m, CURL *easy);
