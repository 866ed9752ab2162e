/* Unit output as users see it: each line prefixed with the unit's name on stderr, and/or
 * written to DIR/NAME.log with --log-dir. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "progress.h"

struct log_file {
        ur_executor *executor;
        FILE *file;
};

struct forwarder {
        bool quiet;
        bool color;
        char *log_dir;
        struct log_file *files;
        size_t n_files;
};

int forwarder_new(const struct run_options *o, struct forwarder **ret)
{
        struct forwarder *f = calloc(1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        f->quiet = o->quiet;
        f->color = o->color;
        if (o->log_dir) {
                if (mkdir(o->log_dir, 0755) < 0 && errno != EEXIST) {
                        int r = -errno;
                        cli_error("cannot create log directory %s: %s", o->log_dir, strerror(errno));
                        free(f);
                        return r;
                }
                f->log_dir = strdup(o->log_dir);
        }
        *ret = f;
        return 0;
}

static FILE *forwarder_log_file(struct forwarder *f, ur_executor *e)
{
        char path[PATH_MAX];
        struct log_file *files;
        FILE *file;

        for (size_t i = 0; i < f->n_files; i++)
                if (f->files[i].executor == e)
                        return f->files[i].file;
        snprintf(path, sizeof(path), "%s/%s.log", f->log_dir, ur_executor_get_name(e));
        file = fopen(path, "ae");
        if (!file)
                cli_warning("cannot open %s: %s", path, strerror(errno));
        files = realloc(f->files, (f->n_files + 1) * sizeof(*files));
        if (!files) {
                if (file)
                        fclose(file);
                return NULL;
        }
        f->files = files;
        f->files[f->n_files++] = (struct log_file){ .executor = e, .file = file };
        return file;
}

static void
forwarder_on_output(ur_executor *e, ur_stream stream, const char *line, size_t len, void *userdata)
{
        struct forwarder *f = userdata;

        if (!f->quiet) {
                const char *name = ur_executor_get_name(e);

                progress_hide(progress_current);
                if (f->color) {
                        /* One of six colors, the same for a name on every run. */
                        unsigned hash = 0;
                        for (const char *c = name; *c; c++)
                                hash = hash * 31 + (unsigned char) *c;
                        fprintf(stderr, "\033[%um%s|\033[0m %.*s\n", 31 + hash % 6, name, (int) len, line);
                } else
                        fprintf(stderr, "%s| %.*s\n", name, (int) len, line);
                progress_show(progress_current);
        }
        if (f->log_dir) {
                FILE *file = forwarder_log_file(f, e);
                if (file) {
                        fprintf(file, "%.*s\n", (int) len, line);
                        fflush(file);
                }
        }
}

void forwarder_attach(struct forwarder *f, ur_context *ctx)
{
        ur_context_set_output_callback(ctx, forwarder_on_output, f);
}

struct forwarder *forwarder_free(struct forwarder *f)
{
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_files; i++)
                if (f->files[i].file)
                        fclose(f->files[i].file);
        free(f->files);
        free(f->log_dir);
        free(f);
        return NULL;
}
