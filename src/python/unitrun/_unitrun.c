/* unitrun._unitrun: libunitrun for CPython, through the public unitrun.h alone.
 *
 * Two types, Context and Executor, map one to one onto ur_context and ur_executor; the
 * pure-Python modules above them add keyword arguments, defaults and the mirakuru names.
 * Every call that waits drives the library in short slices (ur_context_dispatch() with the
 * GIL released), so other threads run meanwhile and Ctrl-C is seen within a slice: a
 * KeyboardInterrupt during a start stops that executor, whole cgroup, before it propagates.
 * The library is not thread-safe: a context refuses a second thread while one waits in it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "unitrun.h"

#define SLICE_MSEC 50
#define LAST_LINES 20

static PyObject *Error, *StartError, *StopError, *LoadError;

typedef struct ExecutorObject ExecutorObject;

typedef struct {
        PyObject_HEAD ur_context *ctx;
        bool busy;             /* a thread waits in it (GIL released) */
        ExecutorObject *first; /* executors made in it, to detach them when it is closed */
        PyObject *weakreflist;
} ContextObject;

/* What a ready callback needs: the Python callable and the executor, to park an exception
 * raised in it until the waiting call can raise it. */
struct py_ready {
        ExecutorObject *owner; /* borrowed: freed with it */
        PyObject *callable;
        struct py_ready *next;
};

struct ExecutorObject {
        PyObject_HEAD ContextObject *context; /* strong */
        ur_executor *e;                       /* NULL once the context is closed */
        struct py_ready *callbacks;
        PyObject *pending_type, *pending_value, *pending_tb; /* raised in a ready callback */
        ExecutorObject *prev, *next;
        PyObject *weakreflist;
};

static PyTypeObject ContextType, ExecutorType;

/* ---- errors ---------------------------------------------------------------------------- */

static PyObject *last_lines(ur_executor *e)
{
        PyObject *lines = PyList_New(0);

        if (!lines)
                return NULL;
        for (int s = UR_STDOUT; s <= UR_STDERR; s++) {
                size_t len = 0;
                const char *out = ur_executor_get_output(e, (ur_stream) s, &len);
                PyObject *text, *split;
                Py_ssize_t n, from;

                if (!out || len == 0)
                        continue;
                text = PyUnicode_DecodeUTF8(out, (Py_ssize_t) len, "replace");
                if (!text)
                        goto fail;
                split = PyUnicode_Splitlines(text, 0);
                Py_DECREF(text);
                if (!split)
                        goto fail;
                n = PyList_GET_SIZE(split);
                from = n > LAST_LINES ? n - LAST_LINES : 0;
                for (Py_ssize_t i = from; i < n; i++)
                        if (PyList_Append(lines, PyList_GET_ITEM(split, i)) < 0) {
                                Py_DECREF(split);
                                goto fail;
                        }
                Py_DECREF(split);
        }
        return lines;
fail:
        Py_DECREF(lines);
        return NULL;
}

/* Sets an attribute to a new reference (stolen); -1 if v is NULL or the set fails. */
static int set_new(PyObject *o, const char *name, PyObject *v)
{
        int r;

        if (!v)
                return -1;
        r = PyObject_SetAttrString(o, name, v);
        Py_DECREF(v);
        return r;
}

/* Raises type with .unit, .reason, .errno and .output (the last lines) set. */
static PyObject *raise_unit_error(PyObject *type, ur_executor *e, int r, const char *what)
{
        const char *msg = e ? ur_executor_get_error(e) : NULL;
        const char *reason = e ? ur_failure_to_string(ur_executor_get_failure(e)) : "system";
        PyObject *exc, *lines = NULL;

        if (e && r == -EBUSY)
                reason = "busy";
        exc = PyObject_CallFunction(type, "s", msg ? msg : (r < 0 ? strerror(-r) : what ? what : "failed"));
        if (!exc)
                return NULL;
        lines = e ? last_lines(e) : PyList_New(0);
        if (!lines || (e ? set_new(exc, "unit", PyUnicode_FromString(ur_executor_get_name(e)))
                         : PyObject_SetAttrString(exc, "unit", Py_None)) < 0)
                goto fail;
        if (set_new(exc, "reason", PyUnicode_FromString(reason)) < 0 ||
            set_new(exc, "errno", PyLong_FromLong(r < 0 ? -r : 0)) < 0 ||
            PyObject_SetAttrString(exc, "output", lines) < 0)
                goto fail;
        Py_DECREF(lines);
        PyErr_SetObject(type, exc);
        Py_DECREF(exc);
        return NULL;
fail:
        Py_XDECREF(lines);
        Py_DECREF(exc);
        return NULL;
}

static PyObject *raise_errno(int r, const char *what)
{
        errno = -r;
        return PyErr_SetFromErrnoWithFilename(r == -EINVAL ? PyExc_ValueError : PyExc_OSError, what);
}

/* ---- Context ----------------------------------------------------------------------------- */

static void context_log(ur_log_level level, const char *unit, const char *message, void *userdata)
{
        /* The library logs through us; quiet by default: the units' own output and the
         * exceptions say what went wrong. */
}

static int Context_init(ContextObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { NULL };
        int r;

        if (!PyArg_ParseTupleAndKeywords(args, kwds, "", kwlist))
                return -1;
        if (self->ctx)
                return 0;
        r = ur_context_new(&self->ctx);
        if (r < 0) {
                raise_errno(r, "ur_context_new");
                return -1;
        }
        ur_context_set_log(self->ctx, context_log, NULL);
        return 0;
}

static int context_check(ContextObject *c)
{
        if (!c->ctx) {
                PyErr_SetString(PyExc_ValueError, "the unitrun context is closed");
                return -1;
        }
        if (c->busy) {
                PyErr_SetString(PyExc_RuntimeError, "the unitrun context is in use by another thread");
                return -1;
        }
        return 0;
}

static void context_close(ContextObject *c)
{
        ur_context *ctx = c->ctx;

        if (!ctx)
                return;
        c->ctx = NULL;
        for (ExecutorObject *x = c->first; x; x = x->next)
                x->e = NULL;
        Py_BEGIN_ALLOW_THREADS;
        ur_context_free(ctx);
        Py_END_ALLOW_THREADS;
}

static void Context_dealloc(ContextObject *self)
{
        if (self->weakreflist)
                PyObject_ClearWeakRefs((PyObject *) self);
        context_close(self);
        Py_TYPE(self)->tp_free((PyObject *) self);
}

static PyObject *Context_close(ContextObject *self, PyObject *unused)
{
        if (self->busy) {
                PyErr_SetString(PyExc_RuntimeError, "the unitrun context is in use by another thread");
                return NULL;
        }
        context_close(self);
        Py_RETURN_NONE;
}

static PyObject *Context_enter(ContextObject *self, PyObject *unused)
{
        if (context_check(self) < 0)
                return NULL;
        Py_INCREF(self);
        return (PyObject *) self;
}

static PyObject *Context_exit(ContextObject *self, PyObject *args)
{
        return Context_close(self, NULL);
}

/* One slice: dispatch with the GIL released, then signals. -1 with an exception set. */
static int context_slice(ContextObject *c, int msec)
{
        int r;

        c->busy = true;
        Py_BEGIN_ALLOW_THREADS;
        r = ur_context_dispatch(c->ctx, msec);
        Py_END_ALLOW_THREADS;
        c->busy = false;
        if (r < 0 && r != -EINTR) {
                raise_errno(r, "ur_context_dispatch");
                return -1;
        }
        return PyErr_CheckSignals();
}

static PyObject *Context_dispatch(ContextObject *self, PyObject *args)
{
        double timeout = 0;
        int r;

        if (!PyArg_ParseTuple(args, "|d", &timeout) || context_check(self) < 0)
                return NULL;
        self->busy = true;
        Py_BEGIN_ALLOW_THREADS;
        r = ur_context_dispatch(self->ctx, timeout < 0 ? -1 : (int) (timeout * 1000));
        Py_END_ALLOW_THREADS;
        self->busy = false;
        if (r < 0 && r != -EINTR)
                return raise_errno(r, "ur_context_dispatch");
        return PyLong_FromLong(r < 0 ? 0 : r);
}

static PyObject *Context_fileno(ContextObject *self, PyObject *unused)
{
        if (context_check(self) < 0)
                return NULL;
        return PyLong_FromLong(ur_context_get_fd(self->ctx));
}

static PyObject *str_or_none(const char *s)
{
        if (!s)
                Py_RETURN_NONE;
        return PyUnicode_DecodeFSDefault(s);
}

static PyObject *Context_get_runtime_dir(ContextObject *self, void *closure)
{
        if (context_check(self) < 0)
                return NULL;
        return str_or_none(ur_context_get_runtime_dir(self->ctx));
}

static PyObject *Context_get_cgroup(ContextObject *self, void *closure)
{
        if (context_check(self) < 0)
                return NULL;
        return str_or_none(ur_context_get_cgroup(self->ctx));
}

static PyObject *Context_get_isolation(ContextObject *self, void *closure)
{
        static const char *names[] = { "cgroup", "scope", "fallback" };
        ur_isolation i;

        if (context_check(self) < 0)
                return NULL;
        i = ur_context_get_isolation(self->ctx);
        return PyUnicode_FromString((unsigned) i < 3 ? names[i] : "unknown");
}

static PyObject *Context_get_closed(ContextObject *self, void *closure)
{
        return PyBool_FromLong(self->ctx == NULL);
}

static ExecutorObject *executor_wrap(ContextObject *c, ur_executor *e, PyTypeObject *type);

struct diagnostics {
        PyObject *list;
        bool failed;
};

static void
collect_diagnostic(const char *file, unsigned line, bool error, const char *message, void *userdata)
{
        struct diagnostics *d = userdata;
        PyObject *s;

        if (line)
                s = PyUnicode_FromFormat("%s:%u: %s%s", file, line, error ? "" : "warning: ", message);
        else
                s = PyUnicode_FromFormat("%s: %s%s", file, error ? "" : "warning: ", message);
        if (!s || PyList_Append(d->list, s) < 0)
                d->failed = true;
        Py_XDECREF(s);
}

/* A NULL-terminated char* array of a sequence of str/PathLike (fs-encoded). */
static char **strv_from_sequence(PyObject *seq, PyObject **ret_keep)
{
        PyObject *fast = PySequence_Fast(seq, "expected a sequence of str");
        PyObject *keep;
        Py_ssize_t n;
        char **v;

        if (!fast)
                return NULL;
        n = PySequence_Fast_GET_SIZE(fast);
        keep = PyList_New(0);
        v = PyMem_Calloc((size_t) n + 1, sizeof(char *));
        if (!keep || !v)
                goto fail;
        for (Py_ssize_t i = 0; i < n; i++) {
                PyObject *b = NULL;

                if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(fast, i), &b))
                        goto fail;
                if (PyList_Append(keep, b) < 0) {
                        Py_DECREF(b);
                        goto fail;
                }
                v[i] = PyBytes_AS_STRING(b);
                Py_DECREF(b);
        }
        Py_DECREF(fast);
        *ret_keep = keep;
        return v;
fail:
        if (!PyErr_Occurred())
                PyErr_NoMemory();
        Py_DECREF(fast);
        Py_XDECREF(keep);
        PyMem_Free(v);
        return NULL;
}

static PyObject *Context_load_units(ContextObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { "names", "unit_path", "strict", "executor_type", "assignments", NULL };
        PyObject *names, *unit_path = Py_None, *keep_names = NULL, *keep_path = NULL, *result = NULL;
        PyObject *assignments = Py_None, *keep_assign = NULL;
        char ***assignv = NULL;
        Py_ssize_t n_names = 0;
        PyTypeObject *type = &ExecutorType;
        struct diagnostics d = { 0 };
        char **namev = NULL, **pathv = NULL;
        ur_executor **made = NULL;
        size_t n = 0;
        int strict = 0, r;

        if (!PyArg_ParseTupleAndKeywords(
                    args, kwds, "O|OpO!O", kwlist, &names, &unit_path, &strict, &PyType_Type, &type,
                    &assignments) ||
            context_check(self) < 0)
                return NULL;
        if (!PyType_IsSubtype(type, &ExecutorType)) {
                PyErr_SetString(PyExc_TypeError, "executor_type must be a subclass of Executor");
                return NULL;
        }
        if (PyUnicode_Check(names) || PyBytes_Check(names) || PyObject_HasAttrString(names, "__fspath__")) {
                PyObject *one = PyTuple_Pack(1, names);
                if (!one)
                        return NULL;
                namev = strv_from_sequence(one, &keep_names);
                Py_DECREF(one);
        } else
                namev = strv_from_sequence(names, &keep_names);
        if (!namev)
                return NULL;
        if (unit_path != Py_None) {
                pathv = strv_from_sequence(unit_path, &keep_path);
                if (!pathv)
                        goto out;
        }
        while (namev[n_names])
                n_names++;
        if (assignments != Py_None) {
                /* One list of KEY=VALUE lines (or None) per name, applied after the unit file. */
                PyObject *fast = PySequence_Fast(assignments, "assignments must be a sequence");

                if (!fast)
                        goto out;
                if (PySequence_Fast_GET_SIZE(fast) != n_names) {
                        PyErr_SetString(PyExc_ValueError, "assignments needs one entry per name");
                        Py_DECREF(fast);
                        goto out;
                }
                keep_assign = PyList_New(0);
                assignv = PyMem_Calloc((size_t) n_names + 1, sizeof(char **));
                if (!keep_assign || !assignv) {
                        Py_DECREF(fast);
                        goto out;
                }
                for (Py_ssize_t i = 0; i < n_names; i++) {
                        PyObject *item = PySequence_Fast_GET_ITEM(fast, i), *keep = NULL;

                        if (item == Py_None)
                                continue;
                        assignv[i] = strv_from_sequence(item, &keep);
                        if (!assignv[i] || PyList_Append(keep_assign, keep) < 0) {
                                Py_XDECREF(keep);
                                Py_DECREF(fast);
                                goto out;
                        }
                        Py_DECREF(keep);
                }
                Py_DECREF(fast);
        }
        d.list = PyList_New(0);
        if (!d.list)
                goto out;
        r = ur_context_load_units_with(
                self->ctx, namev,
                &(ur_load_options){ .unit_path = pathv, .assignments = (char *const *const *) assignv },
                strict ? UR_LOAD_STRICT : 0, collect_diagnostic, &d, &made, &n);
        if (d.failed)
                goto out;
        if (r < 0) {
                PyObject *joined, *sep = PyUnicode_FromString("\n"), *exc;

                joined = sep ? PyUnicode_Join(sep, d.list) : NULL;
                Py_XDECREF(sep);
                if (!joined)
                        goto out;
                exc = PyObject_CallFunction(LoadError, "O", joined);
                Py_DECREF(joined);
                if (exc && PyObject_SetAttrString(exc, "diagnostics", d.list) == 0 &&
                    set_new(exc, "reason", PyUnicode_FromString("load")) == 0 &&
                    PyObject_SetAttrString(exc, "unit", Py_None) == 0 &&
                    PyObject_SetAttrString(exc, "output", d.list) == 0)
                        PyErr_SetObject(LoadError, exc);
                Py_XDECREF(exc);
                goto out;
        }
        result = PyList_New(0);
        for (size_t i = 0; result && i < n; i++) {
                ExecutorObject *x = executor_wrap(self, made[i], type);
                if (!x || PyList_Append(result, (PyObject *) x) < 0)
                        Py_CLEAR(result);
                Py_XDECREF(x);
        }
out:
        free(made);
        for (Py_ssize_t i = 0; assignv && i < n_names; i++)
                PyMem_Free(assignv[i]);
        PyMem_Free(assignv);
        Py_XDECREF(keep_assign);
        PyMem_Free(namev);
        PyMem_Free(pathv);
        Py_XDECREF(keep_names);
        Py_XDECREF(keep_path);
        Py_XDECREF(d.list);
        return result;
}

static PyObject *Context_add_unit(ContextObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { "name", "assignments", "executor_type", NULL };
        PyObject *assignments, *keep = NULL, *result = NULL;
        PyTypeObject *type = &ExecutorType;
        struct diagnostics d = { 0 };
        const char *name;
        ur_executor *e = NULL;
        char **v;
        int r;

        if (!PyArg_ParseTupleAndKeywords(
                    args, kwds, "sO|O!", kwlist, &name, &assignments, &PyType_Type, &type) ||
            context_check(self) < 0)
                return NULL;
        v = strv_from_sequence(assignments, &keep);
        if (!v)
                return NULL;
        d.list = PyList_New(0);
        if (!d.list)
                goto out;
        r = ur_context_add_unit(self->ctx, name, NULL, (const char *const *) v, collect_diagnostic, &d, &e);
        if (d.failed)
                goto out;
        if (r < 0) {
                PyObject *sep = PyUnicode_FromString("\n"),
                         *joined = sep ? PyUnicode_Join(sep, d.list) : NULL;

                Py_XDECREF(sep);
                if (joined && r == -EEXIST)
                        PyErr_Format(PyExc_ValueError, "a unit called %s exists already", name);
                else if (joined) {
                        PyObject *exc = PyObject_CallFunction(LoadError, "O", joined);

                        if (exc && PyObject_SetAttrString(exc, "diagnostics", d.list) == 0 &&
                            set_new(exc, "reason", PyUnicode_FromString("load")) == 0 &&
                            set_new(exc, "unit", PyUnicode_FromString(name)) == 0 &&
                            PyObject_SetAttrString(exc, "output", d.list) == 0)
                                PyErr_SetObject(LoadError, exc);
                        Py_XDECREF(exc);
                }
                Py_XDECREF(joined);
                goto out;
        }
        result = (PyObject *) executor_wrap(self, e, type);
out:
        PyMem_Free(v);
        Py_XDECREF(keep);
        Py_XDECREF(d.list);
        return result;
}

static bool any_in(ContextObject *c, ur_state a, ur_state b)
{
        for (ExecutorObject *x = c->first; x; x = x->next)
                if (x->e && (ur_executor_get_state(x->e) == a || ur_executor_get_state(x->e) == b))
                        return true;
        return false;
}

static PyObject *Context_stop_all(ContextObject *self, PyObject *unused)
{
        int r;

        if (context_check(self) < 0)
                return NULL;
        r = ur_context_stop_all_begin(self->ctx);
        if (r < 0)
                return raise_errno(r, "stop_all");
        while (any_in(self, UR_STATE_STOPPING, UR_STATE_STOPPING))
                if (context_slice(self, SLICE_MSEC) < 0)
                        return NULL;
        Py_RETURN_NONE;
}

static PyObject *Context_start_all(ContextObject *self, PyObject *unused)
{
        int r;

        if (context_check(self) < 0)
                return NULL;
        r = ur_context_start_all_begin(self->ctx);
        if (r < 0)
                return raise_errno(r, "start_all");
        while (any_in(self, UR_STATE_STARTING, UR_STATE_STARTING))
                if (context_slice(self, SLICE_MSEC) < 0) {
                        PyObject *t, *v, *tb;

                        PyErr_Fetch(&t, &v, &tb);
                        (void) ur_context_stop_all_begin(self->ctx);
                        while (any_in(self, UR_STATE_STOPPING, UR_STATE_STARTING))
                                if (ur_context_dispatch(self->ctx, SLICE_MSEC) < 0)
                                        break;
                        PyErr_Restore(t, v, tb);
                        return NULL;
                }
        for (ExecutorObject *x = self->first; x; x = x->next)
                if (x->e && ur_executor_get_state(x->e) == UR_STATE_FAILED)
                        return raise_unit_error(StartError, x->e, -EIO, "failed");
        Py_RETURN_NONE;
}

static PyMethodDef Context_methods[] = {
        { "close", (PyCFunction) Context_close, METH_NOARGS, "Stop everything and free the context." },
        { "__enter__", (PyCFunction) Context_enter, METH_NOARGS, NULL },
        { "__exit__", (PyCFunction) Context_exit, METH_VARARGS, NULL },
        { "dispatch", (PyCFunction) Context_dispatch, METH_VARARGS,
          "Handle pending events, waiting up to timeout s." },
        { "fileno", (PyCFunction) Context_fileno, METH_NOARGS, "The pollable fd of the loop." },
        { "load_units", (PyCFunction) (void (*)(void)) Context_load_units, METH_VARARGS | METH_KEYWORDS,
          "Load unit files or names; returns the executors made." },
        { "add_unit", (PyCFunction) (void (*)(void)) Context_add_unit, METH_VARARGS | METH_KEYWORDS,
          "One unit from KEY=VALUE assignments." },
        { "start_all", (PyCFunction) Context_start_all, METH_NOARGS,
          "Start every inactive executor in order." },
        { "stop_all", (PyCFunction) Context_stop_all, METH_NOARGS, "Stop every executor in reverse order." },
        { NULL },
};

static PyGetSetDef Context_getset[] = {
        { "runtime_dir", (getter) Context_get_runtime_dir, NULL, NULL, NULL },
        { "cgroup", (getter) Context_get_cgroup, NULL, NULL, NULL },
        { "isolation", (getter) Context_get_isolation, NULL, NULL, NULL },
        { "closed", (getter) Context_get_closed, NULL, NULL, NULL },
        { NULL },
};

static PyTypeObject ContextType = {
        PyVarObject_HEAD_INIT(NULL, 0).tp_name = "unitrun._unitrun.Context",
        .tp_basicsize = sizeof(ContextObject),
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
        .tp_doc = "A run: an event loop, a runtime directory, a cgroup subtree.",
        .tp_new = PyType_GenericNew,
        .tp_init = (initproc) Context_init,
        .tp_dealloc = (destructor) Context_dealloc,
        .tp_methods = Context_methods,
        .tp_getset = Context_getset,
        .tp_weaklistoffset = offsetof(ContextObject, weakreflist),
};

/* ---- Executor ---------------------------------------------------------------------------- */

static void executor_link(ContextObject *c, ExecutorObject *x, ur_executor *e)
{
        Py_INCREF(c);
        x->context = c;
        x->e = e;
        x->next = c->first;
        if (c->first)
                c->first->prev = x;
        c->first = x;
}

static ExecutorObject *executor_wrap(ContextObject *c, ur_executor *e, PyTypeObject *type)
{
        ExecutorObject *x;

        /* One Python object per executor: the library's userdata points back to it (borrowed). */
        x = ur_executor_get_userdata(e);
        if (x) {
                Py_INCREF(x);
                return x;
        }
        x = (ExecutorObject *) type->tp_alloc(type, 0);
        if (!x)
                return NULL;
        executor_link(c, x, e);
        ur_executor_set_userdata(e, x);
        return x;
}

static int Executor_init(ExecutorObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { "context", "name", "command", "shell", NULL };
        PyObject *command, *keep = NULL;
        ContextObject *c;
        const char *name;
        ur_executor *e = NULL;
        int shell = 0, r;

        if (!PyArg_ParseTupleAndKeywords(
                    args, kwds, "O!sO|p", kwlist, &ContextType, &c, &name, &command, &shell))
                return -1;
        if (self->context) {
                PyErr_SetString(PyExc_RuntimeError, "Executor.__init__ called twice");
                return -1;
        }
        if (context_check(c) < 0)
                return -1;
        if (PyUnicode_Check(command)) {
                PyObject *b = NULL;

                if (!PyUnicode_FSConverter(command, &b))
                        return -1;
                r = shell ? ur_executor_new_shell(c->ctx, name, PyBytes_AS_STRING(b), &e)
                          : ur_executor_new_cmdline(c->ctx, name, PyBytes_AS_STRING(b), 0, &e);
                Py_DECREF(b);
        } else {
                char **argv = strv_from_sequence(command, &keep);

                if (!argv)
                        return -1;
                if (!argv[0]) {
                        PyMem_Free(argv);
                        Py_XDECREF(keep);
                        PyErr_SetString(PyExc_ValueError, "empty command");
                        return -1;
                }
                r = ur_executor_new(c->ctx, name, argv, &e);
                PyMem_Free(argv);
                Py_XDECREF(keep);
        }
        if (r == -EEXIST) {
                PyErr_Format(PyExc_ValueError, "an executor called %s exists already", name);
                return -1;
        }
        if (r < 0) {
                raise_errno(r, name);
                return -1;
        }
        executor_link(c, self, e);
        ur_executor_set_userdata(e, self);
        return 0;
}

static void executor_drop_pending(ExecutorObject *x)
{
        Py_CLEAR(x->pending_type);
        Py_CLEAR(x->pending_value);
        Py_CLEAR(x->pending_tb);
}

static void Executor_dealloc(ExecutorObject *self)
{
        ContextObject *c = self->context;

        PyObject_GC_UnTrack(self);
        if (self->weakreflist)
                PyObject_ClearWeakRefs((PyObject *) self);
        if (self->e) {
                ur_executor *e = self->e;

                /* Forgotten without stop(): nothing of it may outlive the object. */
                self->e = NULL;
                ur_executor_set_userdata(e, NULL);
                if (c)
                        c->busy = true;
                Py_BEGIN_ALLOW_THREADS;
                ur_executor_free(e);
                Py_END_ALLOW_THREADS;
                if (c)
                        c->busy = false;
        }
        if (c) {
                if (self->prev)
                        self->prev->next = self->next;
                else
                        c->first = self->next;
                if (self->next)
                        self->next->prev = self->prev;
        }
        for (struct py_ready *p = self->callbacks; p;) {
                struct py_ready *next = p->next;
                Py_DECREF(p->callable);
                PyMem_Free(p);
                p = next;
        }
        executor_drop_pending(self);
        Py_XDECREF(c);
        Py_TYPE(self)->tp_free((PyObject *) self);
}

static int Executor_traverse(ExecutorObject *self, visitproc visit, void *arg)
{
        Py_VISIT(self->context);
        for (struct py_ready *p = self->callbacks; p; p = p->next)
                Py_VISIT(p->callable);
        return 0;
}

static int executor_check(ExecutorObject *x)
{
        if (!x->context) {
                PyErr_SetString(PyExc_ValueError, "Executor not initialised");
                return -1;
        }
        if (context_check(x->context) < 0)
                return -1;
        if (!x->e) {
                PyErr_SetString(PyExc_ValueError, "the executor's context is closed");
                return -1;
        }
        return 0;
}

#define CHECK(x)                                                                                            \
        do {                                                                                                \
                if (executor_check(x) < 0)                                                                  \
                        return NULL;                                                                        \
        } while (0)

static PyObject *result(int r, const char *what)
{
        if (r < 0)
                return raise_errno(r, what);
        Py_RETURN_NONE;
}

static uint64_t seconds_to_usec(double s)
{
        if (s < 0 || s > 1e12)
                return UR_USEC_INFINITY;
        return (uint64_t) (s * 1e6);
}

/* The methods that only hand one argument (or none) to a library setter, by the argument's
 * kind: each parses with the format its method always had (so Python's TypeErrors read the
 * same), checks the executor, and maps the setter's result. SETTER() below writes the method;
 * what names the call in an OSError/ValueError; a string or a path names itself. */
typedef PyObject *(*result_fn)(ExecutorObject *self, int r, const char *what);

static PyObject *setter_result(ExecutorObject *self, int r, const char *what)
{
        return result(r, what);
}

static PyObject *
set_none(ExecutorObject *self, PyObject *unused, int (*set)(ur_executor *), const char *what)
{
        CHECK(self);
        return result(set(self->e), what);
}

static PyObject *
set_bool(ExecutorObject *self, PyObject *args, int (*set)(ur_executor *, bool), const char *what)
{
        int on;

        if (!PyArg_ParseTuple(args, "p", &on))
                return NULL;
        CHECK(self);
        return result(set(self->e, on), what);
}

static PyObject *
set_int(ExecutorObject *self, PyObject *args, int (*set)(ur_executor *, int), const char *what)
{
        int v;

        if (!PyArg_ParseTuple(args, "i", &v))
                return NULL;
        CHECK(self);
        return result(set(self->e, v), what);
}

/* Seconds as a float; zero or less is 0, the library's default (for the ready interval). */
static PyObject *
set_seconds(ExecutorObject *self, PyObject *args, int (*set)(ur_executor *, uint64_t), const char *what)
{
        double s;

        if (!PyArg_ParseTuple(args, "d", &s))
                return NULL;
        CHECK(self);
        return result(set(self->e, s <= 0 ? 0 : seconds_to_usec(s)), what);
}

static PyObject *
set_string(ExecutorObject *self, PyObject *args, int (*set)(ur_executor *, const char *), result_fn map)
{
        const char *v;

        if (!PyArg_ParseTuple(args, "s", &v))
                return NULL;
        CHECK(self);
        return map(self, set(self->e, v), v);
}

/* A str, bytes or PathLike, fs-encoded. */
static PyObject *
set_path(ExecutorObject *self, PyObject *args, int (*set)(ur_executor *, const char *), result_fn map)
{
        PyObject *b = NULL, *r;

        if (!PyArg_ParseTuple(args, "O&", PyUnicode_FSConverter, &b))
                return NULL;
        if (executor_check(self) < 0) {
                Py_DECREF(b);
                return NULL;
        }
        r = map(self, set(self->e, PyBytes_AS_STRING(b)), PyBytes_AS_STRING(b));
        Py_DECREF(b);
        return r;
}

/* Executor_METHOD, calling ur_executor_METHOD through set_KIND(); last: what, or a result_fn. */
#define SETTER(kind, method, last)                                                                          \
        static PyObject *Executor_##method(ExecutorObject *self, PyObject *args)                            \
        {                                                                                                   \
                return set_##kind(self, args, ur_executor_##method, last);                                  \
        }

/* Configuration, one method per library setter. */
static PyObject *Executor_set_env(ExecutorObject *self, PyObject *args)
{
        const char *name, *value = NULL;

        if (!PyArg_ParseTuple(args, "sz", &name, &value))
                return NULL;
        CHECK(self);
        return result(
                value ? ur_executor_set_env(self->e, name, value) : ur_executor_unset_env(self->e, name),
                name);
}

SETTER(none, clear_env, "clear_env")
SETTER(path, set_cwd, setter_result)

static PyObject *Executor_set_type(ExecutorObject *self, PyObject *args)
{
        static const char *names[] = { "simple", "exec", "notify", "oneshot", "forking" };
        const char *t;

        if (!PyArg_ParseTuple(args, "s", &t))
                return NULL;
        CHECK(self);
        for (int i = 0; i < 5; i++)
                if (strcmp(t, names[i]) == 0)
                        return result(ur_executor_set_type(self->e, (ur_type) i), t);
        PyErr_Format(PyExc_ValueError, "unknown type %s (simple, exec, notify, oneshot, forking)", t);
        return NULL;
}

static PyObject *Executor_set_timeouts(ExecutorObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { "start", "stop", NULL };
        PyObject *start = Py_None, *stop = Py_None;
        int r = 0;

        if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO", kwlist, &start, &stop))
                return NULL;
        CHECK(self);
        if (start != Py_None) {
                double s = PyFloat_AsDouble(start);
                if (s == -1 && PyErr_Occurred())
                        return NULL;
                r = ur_executor_set_start_timeout(self->e, seconds_to_usec(s));
        }
        if (r >= 0 && stop != Py_None) {
                double s = PyFloat_AsDouble(stop);
                if (s == -1 && PyErr_Occurred())
                        return NULL;
                r = ur_executor_set_stop_timeout(self->e, seconds_to_usec(s));
        }
        return result(r, "timeout");
}

static PyObject *Executor_set_signals(ExecutorObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { "kill", "final", "send_sigkill", NULL };
        int kill = 0, final = 0, send = -1, r = 0;

        if (!PyArg_ParseTupleAndKeywords(args, kwds, "|iip", kwlist, &kill, &final, &send))
                return NULL;
        CHECK(self);
        if (kill)
                r = ur_executor_set_kill_signal(self->e, kill);
        if (r >= 0 && final)
                r = ur_executor_set_final_kill_signal(self->e, final);
        if (r >= 0 && send >= 0)
                r = ur_executor_set_send_sigkill(self->e, send);
        return result(r, "signal");
}

static PyObject *Executor_set_exit_type(ExecutorObject *self, PyObject *args)
{
        const char *t;

        if (!PyArg_ParseTuple(args, "s", &t))
                return NULL;
        CHECK(self);
        if (strcmp(t, "main") == 0)
                return result(ur_executor_set_exit_type(self->e, UR_EXIT_MAIN), t);
        if (strcmp(t, "cgroup") == 0)
                return result(ur_executor_set_exit_type(self->e, UR_EXIT_CGROUP), t);
        PyErr_Format(PyExc_ValueError, "unknown exit type %s (main, cgroup)", t);
        return NULL;
}

SETTER(bool, set_remain_after_exit, "remain_after_exit")
SETTER(bool, set_refuse_if_ready, "refuse_if_ready")
SETTER(seconds, set_ready_interval, "ready_interval")
SETTER(int, add_success_status, "success_status")
SETTER(int, add_success_signal, "success_signal")

/* stream: 1 stdout, 2 stderr; mode: "capture", "inherit", "null", "file", "append". */
static PyObject *Executor_set_stdio(ExecutorObject *self, PyObject *args)
{
        static const char *modes[] = { "capture", "inherit", "null", "file", "append" };
        const char *mode, *path = NULL;
        int stream;

        if (!PyArg_ParseTuple(args, "is|z", &stream, &mode, &path))
                return NULL;
        CHECK(self);
        for (int i = 0; i < 5; i++)
                if (strcmp(mode, modes[i]) == 0)
                        return result(
                                ur_executor_set_stdio(self->e, (ur_stream) stream, (ur_stdio) i, path),
                                mode);
        PyErr_Format(PyExc_ValueError, "unknown output mode %s", mode);
        return NULL;
}

/* mode: "null", "inherit", "file" (path), "pipe", "fd" (an int), "data" (bytes). */
static PyObject *Executor_set_stdin(ExecutorObject *self, PyObject *args)
{
        const char *mode;
        PyObject *arg = Py_None;

        if (!PyArg_ParseTuple(args, "s|O", &mode, &arg))
                return NULL;
        CHECK(self);
        if (strcmp(mode, "null") == 0)
                return result(ur_executor_set_stdin(self->e, UR_STDIN_NULL, NULL), mode);
        if (strcmp(mode, "inherit") == 0)
                return result(ur_executor_set_stdin(self->e, UR_STDIN_INHERIT, NULL), mode);
        if (strcmp(mode, "pipe") == 0)
                return result(ur_executor_set_stdin(self->e, UR_STDIN_PIPE, NULL), mode);
        if (strcmp(mode, "fd") == 0) {
                int fd = PyObject_AsFileDescriptor(arg);
                if (fd < 0)
                        return NULL;
                return result(ur_executor_set_stdin_fd(self->e, fd), mode);
        }
        if (strcmp(mode, "data") == 0) {
                Py_buffer b;
                PyObject *r;

                if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0)
                        return NULL;
                r = result(ur_executor_set_stdin_data(self->e, b.buf, (size_t) b.len), mode);
                PyBuffer_Release(&b);
                return r;
        }
        if (strcmp(mode, "file") == 0) {
                PyObject *b = NULL, *r;

                if (!PyUnicode_FSConverter(arg, &b))
                        return NULL;
                r = result(ur_executor_set_stdin(self->e, UR_STDIN_FILE, PyBytes_AS_STRING(b)), mode);
                Py_DECREF(b);
                return r;
        }
        PyErr_Format(PyExc_ValueError, "unknown stdin mode %s", mode);
        return NULL;
}

static PyObject *Executor_get_stdin_fd(ExecutorObject *self, void *closure)
{
        CHECK(self);
        return PyLong_FromLong(ur_executor_get_stdin_fd(self->e));
}

static PyObject *Executor_close_stdin(ExecutorObject *self, PyObject *unused)
{
        CHECK(self);
        ur_executor_close_stdin(self->e);
        Py_RETURN_NONE;
}

/* Readiness conditions. An invalid argument raises ValueError with the library's reason. */
static PyObject *ready_result(ExecutorObject *self, int r, const char *what)
{
        if (r == -EINVAL) {
                const char *msg = ur_executor_get_error(self->e);
                PyErr_Format(PyExc_ValueError, "%s", msg ? msg : what);
                return NULL;
        }
        return result(r, what);
}

SETTER(string, add_ready_tcp, ready_result)

/* Listen=: None or "yes" for any listening socket of the unit, else that address. */
static PyObject *Executor_add_ready_listen(ExecutorObject *self, PyObject *args)
{
        const char *addr = NULL;

        if (!PyArg_ParseTuple(args, "|z", &addr))
                return NULL;
        CHECK(self);
        return ready_result(self, ur_executor_add_ready_listen(self->e, addr), addr ? addr : "yes");
}

SETTER(path, add_ready_unix, ready_result)
SETTER(path, add_ready_file, ready_result)

static PyObject *Executor_add_ready_output(ExecutorObject *self, PyObject *args)
{
        const char *re;
        int streams = UR_STDOUT_AND_STDERR;

        if (!PyArg_ParseTuple(args, "s|i", &re, &streams))
                return NULL;
        CHECK(self);
        return ready_result(self, ur_executor_add_ready_output(self->e, re, (ur_stream) streams), re);
}

static PyObject *Executor_add_ready_http(ExecutorObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { "url",  "method",      "status",   "headers",
                                  "body", "unix_socket", "insecure", NULL };
        const char *url, *method = NULL, *status = NULL, *body = NULL, *unix_socket = NULL;
        PyObject *headers = Py_None, *keep = NULL, *r;
        char **hv = NULL;
        int insecure = 0;

        if (!PyArg_ParseTupleAndKeywords(
                    args, kwds, "s|zzOzzp", kwlist, &url, &method, &status, &headers, &body, &unix_socket,
                    &insecure))
                return NULL;
        CHECK(self);
        if (headers != Py_None) {
                hv = strv_from_sequence(headers, &keep);
                if (!hv)
                        return NULL;
        }
        r = ready_result(
                self,
                ur_executor_add_ready_http(
                        self->e, &(ur_http_check){ .url = url,
                                                   .method = method,
                                                   .status_regex = status,
                                                   .headers = (const char *const *) hv,
                                                   .body = body,
                                                   .unix_socket = unix_socket,
                                                   .insecure = insecure }),
                url);
        PyMem_Free(hv);
        Py_XDECREF(keep);
        return r;
}

/* Called by the library from inside ur_context_dispatch(), where the GIL was released. */
static int call_ready(void *userdata)
{
        struct py_ready *p = userdata;
        PyGILState_STATE g = PyGILState_Ensure();
        PyObject *res;
        int ready = 0;

        /* Not while its executor is being freed, nor once an earlier call raised. */
        if (!p->owner->e || p->owner->pending_type)
                goto out;
        res = PyObject_CallNoArgs(p->callable);
        if (!res)
                PyErr_Fetch(&p->owner->pending_type, &p->owner->pending_value, &p->owner->pending_tb);
        else {
                ready = PyObject_IsTrue(res);
                Py_DECREF(res);
                if (ready < 0) {
                        PyErr_Fetch(
                                &p->owner->pending_type, &p->owner->pending_value, &p->owner->pending_tb);
                        ready = 0;
                }
        }
out:
        PyGILState_Release(g);
        return ready > 0;
}

static PyObject *Executor_add_ready_callback(ExecutorObject *self, PyObject *args)
{
        PyObject *callable;
        struct py_ready *p;
        int r;

        if (!PyArg_ParseTuple(args, "O", &callable))
                return NULL;
        CHECK(self);
        if (!PyCallable_Check(callable)) {
                PyErr_SetString(PyExc_TypeError, "the ready callback must be callable");
                return NULL;
        }
        p = PyMem_Calloc(1, sizeof(*p));
        if (!p)
                return PyErr_NoMemory();
        r = ur_executor_add_ready_callback(self->e, call_ready, p);
        if (r < 0) {
                PyMem_Free(p);
                return result(r, "ready callback");
        }
        Py_INCREF(callable);
        p->callable = callable;
        p->owner = self;
        p->next = self->callbacks;
        self->callbacks = p;
        Py_RETURN_NONE;
}

/* Drives the loop until the executor leaves the states a and b. -1 with an exception set:
 * a signal (KeyboardInterrupt), an error of the loop, or one raised in a ready callback. */
static int executor_wait(ExecutorObject *x, ur_state a, ur_state b)
{
        for (;;) {
                ur_state s = ur_executor_get_state(x->e);

                if (s != a && s != b)
                        return 0;
                if (context_slice(x->context, SLICE_MSEC) < 0)
                        return -1;
                if (x->pending_type) {
                        PyErr_Restore(x->pending_type, x->pending_value, x->pending_tb);
                        x->pending_type = x->pending_value = x->pending_tb = NULL;
                        return -1;
                }
        }
}

/* The stop of an interrupted start: no grace for a start nobody waits for any more. */
static void executor_abort(ExecutorObject *x)
{
        PyObject *t, *v, *tb;
        ur_context *ctx = x->context->ctx;
        ur_executor *e = x->e;

        PyErr_Fetch(&t, &v, &tb);
        x->context->busy = true;
        Py_BEGIN_ALLOW_THREADS;
        if (ur_executor_stop_begin(e) >= 0) {
                (void) ur_executor_stop_now(e);
                while (ur_executor_get_state(e) == UR_STATE_STOPPING ||
                       ur_executor_get_state(e) == UR_STATE_STARTING ||
                       ur_executor_get_state(e) == UR_STATE_RUNNING)
                        if (ur_context_dispatch(ctx, SLICE_MSEC) < 0)
                                break;
        }
        Py_END_ALLOW_THREADS;
        x->context->busy = false;
        executor_drop_pending(x);
        PyErr_Restore(t, v, tb);
}

static PyObject *Executor_start(ExecutorObject *self, PyObject *unused)
{
        ur_state s;
        int r;

        CHECK(self);
        executor_drop_pending(self);
        r = ur_executor_start_begin(self->e);
        if (r == UR_SKIPPED)
                return PyBool_FromLong(0);
        if (r < 0)
                return raise_unit_error(StartError, self->e, r, "start");
        if (executor_wait(self, UR_STATE_STARTING, UR_STATE_STARTING) < 0) {
                executor_abort(self);
                return NULL;
        }
        s = ur_executor_get_state(self->e);
        if (s == UR_STATE_RUNNING || s == UR_STATE_EXITED)
                return PyBool_FromLong(1);
        if (s == UR_STATE_INACTIVE && ur_executor_get_failure(self->e) == UR_FAILURE_NONE)
                return PyBool_FromLong(0); /* skipped by a condition */
        return raise_unit_error(StartError, self->e, -ur_executor_get_errno(self->e), "start");
}

static PyObject *Executor_stop(ExecutorObject *self, PyObject *unused)
{
        int r;

        CHECK(self);
        r = ur_executor_stop_begin(self->e);
        if (r < 0)
                return raise_unit_error(StopError, self->e, r, "stop");
        if (executor_wait(self, UR_STATE_STOPPING, UR_STATE_STOPPING) < 0) {
                /* Interrupted: finish the stop at once, then raise. */
                executor_abort(self);
                return NULL;
        }
        if (ur_executor_get_failure(self->e) == UR_FAILURE_STOP)
                return raise_unit_error(StopError, self->e, 0, "stop");
        Py_RETURN_NONE;
}

SETTER(none, stop_now, "stop_now")
SETTER(none, stop_begin, "stop_begin")

static PyObject *Executor_kill(ExecutorObject *self, PyObject *args, PyObject *kwds)
{
        static char *kwlist[] = { "signal", "all", NULL };
        int sig = SIGKILL, all = 1, r;

        if (!PyArg_ParseTupleAndKeywords(args, kwds, "|ip", kwlist, &sig, &all))
                return NULL;
        CHECK(self);
        r = ur_executor_kill(self->e, sig, all);
        if (r == -ESRCH)
                Py_RETURN_FALSE;
        if (r < 0)
                return raise_errno(r, "kill");
        Py_RETURN_TRUE;
}

/* Handles what is pending without waiting, so that queries see exits that happened. */
static int executor_refresh(ExecutorObject *x)
{
        if (x->context->busy)
                return 0;
        return context_slice(x->context, 0);
}

static PyObject *Executor_running(ExecutorObject *self, PyObject *unused)
{
        CHECK(self);
        if (executor_refresh(self) < 0)
                return NULL;
        return PyBool_FromLong(ur_executor_is_running(self->e));
}

static PyObject *Executor_get_state(ExecutorObject *self, void *closure)
{
        CHECK(self);
        if (executor_refresh(self) < 0)
                return NULL;
        return PyUnicode_FromString(ur_state_to_string(ur_executor_get_state(self->e)));
}

static PyObject *Executor_get_pid(ExecutorObject *self, void *closure)
{
        pid_t pid;

        CHECK(self);
        if (executor_refresh(self) < 0)
                return NULL;
        pid = ur_executor_get_pid(self->e);
        if (pid <= 0)
                Py_RETURN_NONE;
        return PyLong_FromLong(pid);
}

/* Popen's convention: the exit code, or -signal; None while it runs or never ran. */
static PyObject *Executor_get_exit_status(ExecutorObject *self, void *closure)
{
        int code, status;

        CHECK(self);
        if (executor_refresh(self) < 0)
                return NULL;
        if (!ur_executor_get_exit(self->e, &code, &status))
                Py_RETURN_NONE;
        return PyLong_FromLong(code == CLD_EXITED ? status : -status);
}

static PyObject *Executor_output(ExecutorObject *self, PyObject *args)
{
        int stream = UR_STDOUT;
        const char *out;
        size_t len = 0;

        if (!PyArg_ParseTuple(args, "|i", &stream))
                return NULL;
        CHECK(self);
        if (stream != UR_STDOUT && stream != UR_STDERR) {
                PyErr_SetString(PyExc_ValueError, "stream must be 1 (stdout) or 2 (stderr)");
                return NULL;
        }
        if (executor_refresh(self) < 0)
                return NULL;
        out = ur_executor_get_output(self->e, (ur_stream) stream, &len);
        return PyBytes_FromStringAndSize(out ? out : "", (Py_ssize_t) (out ? len : 0));
}

static PyObject *Executor_get_name(ExecutorObject *self, void *closure)
{
        CHECK(self);
        return PyUnicode_FromString(ur_executor_get_name(self->e));
}

static PyObject *Executor_get_cgroup(ExecutorObject *self, void *closure)
{
        CHECK(self);
        return str_or_none(ur_executor_get_cgroup(self->e));
}

static PyObject *Executor_get_context(ExecutorObject *self, void *closure)
{
        if (!self->context)
                Py_RETURN_NONE;
        Py_INCREF(self->context);
        return (PyObject *) self->context;
}

static PyObject *Executor_get_runtime_dir(ExecutorObject *self, void *closure)
{
        CHECK(self);
        return str_or_none(ur_context_get_runtime_dir(self->context->ctx));
}

static PyObject *Executor_get_failure(ExecutorObject *self, void *closure)
{
        ur_failure f;

        CHECK(self);
        f = ur_executor_get_failure(self->e);
        if (f == UR_FAILURE_NONE)
                Py_RETURN_NONE;
        return PyUnicode_FromString(ur_failure_to_string(f));
}

static PyObject *Executor_get_error(ExecutorObject *self, void *closure)
{
        CHECK(self);
        return str_or_none(ur_executor_get_error(self->e));
}

static PyObject *Executor_get_ready_msec(ExecutorObject *self, void *closure)
{
        CHECK(self);
        return PyLong_FromUnsignedLongLong(ur_executor_get_ready_msec(self->e));
}

static PyObject *Executor_get_closed(ExecutorObject *self, void *closure)
{
        return PyBool_FromLong(self->e == NULL);
}

static PyObject *Executor_describe(ExecutorObject *self, PyObject *unused)
{
        char buf[2048] = "";

        CHECK(self);
        ur_executor_describe_conditions(self->e, buf, sizeof(buf));
        return PyUnicode_FromString(buf);
}

static PyMethodDef Executor_methods[] = {
        { "set_env", (PyCFunction) Executor_set_env, METH_VARARGS,
          "Set (or, with None, unset) a variable." },
        { "clear_env", (PyCFunction) Executor_clear_env, METH_NOARGS, NULL },
        { "set_cwd", (PyCFunction) Executor_set_cwd, METH_VARARGS, NULL },
        { "set_type", (PyCFunction) Executor_set_type, METH_VARARGS, NULL },
        { "set_timeouts", (PyCFunction) (void (*)(void)) Executor_set_timeouts, METH_VARARGS | METH_KEYWORDS,
          NULL },
        { "set_signals", (PyCFunction) (void (*)(void)) Executor_set_signals, METH_VARARGS | METH_KEYWORDS,
          NULL },
        { "set_exit_type", (PyCFunction) Executor_set_exit_type, METH_VARARGS, NULL },
        { "set_remain_after_exit", (PyCFunction) Executor_set_remain_after_exit, METH_VARARGS, NULL },
        { "set_refuse_if_ready", (PyCFunction) Executor_set_refuse_if_ready, METH_VARARGS, NULL },
        { "set_ready_interval", (PyCFunction) Executor_set_ready_interval, METH_VARARGS, NULL },
        { "add_success_status", (PyCFunction) Executor_add_success_status, METH_VARARGS, NULL },
        { "add_success_signal", (PyCFunction) Executor_add_success_signal, METH_VARARGS, NULL },
        { "set_stdio", (PyCFunction) Executor_set_stdio, METH_VARARGS, NULL },
        { "set_stdin", (PyCFunction) Executor_set_stdin, METH_VARARGS, NULL },
        { "close_stdin", (PyCFunction) Executor_close_stdin, METH_NOARGS, NULL },
        { "add_ready_tcp", (PyCFunction) Executor_add_ready_tcp, METH_VARARGS, NULL },
        { "add_ready_listen", (PyCFunction) Executor_add_ready_listen, METH_VARARGS, NULL },
        { "add_ready_unix", (PyCFunction) Executor_add_ready_unix, METH_VARARGS, NULL },
        { "add_ready_file", (PyCFunction) Executor_add_ready_file, METH_VARARGS, NULL },
        { "add_ready_output", (PyCFunction) Executor_add_ready_output, METH_VARARGS, NULL },
        { "add_ready_http", (PyCFunction) (void (*)(void)) Executor_add_ready_http,
          METH_VARARGS | METH_KEYWORDS, NULL },
        { "add_ready_callback", (PyCFunction) Executor_add_ready_callback, METH_VARARGS, NULL },
        { "start", (PyCFunction) Executor_start, METH_NOARGS,
          "Spawn and wait until ready; False if skipped." },
        { "stop", (PyCFunction) Executor_stop, METH_NOARGS,
          "Stop, whole cgroup, and wait until nothing is left." },
        { "stop_begin", (PyCFunction) Executor_stop_begin, METH_NOARGS, NULL },
        { "stop_now", (PyCFunction) Executor_stop_now, METH_NOARGS, NULL },
        { "kill", (PyCFunction) (void (*)(void)) Executor_kill, METH_VARARGS | METH_KEYWORDS, NULL },
        { "running", (PyCFunction) Executor_running, METH_NOARGS, NULL },
        { "output", (PyCFunction) Executor_output, METH_VARARGS, "Captured output so far (bytes)." },
        { "describe", (PyCFunction) Executor_describe, METH_NOARGS, NULL },
        { NULL },
};

static PyGetSetDef Executor_getset[] = {
        { "name", (getter) Executor_get_name, NULL, NULL, NULL },
        { "state", (getter) Executor_get_state, NULL, NULL, NULL },
        { "pid", (getter) Executor_get_pid, NULL, NULL, NULL },
        { "exit_status", (getter) Executor_get_exit_status, NULL, NULL, NULL },
        { "cgroup", (getter) Executor_get_cgroup, NULL, NULL, NULL },
        { "context", (getter) Executor_get_context, NULL, NULL, NULL },
        { "runtime_dir", (getter) Executor_get_runtime_dir, NULL, NULL, NULL },
        { "failure", (getter) Executor_get_failure, NULL, NULL, NULL },
        { "error", (getter) Executor_get_error, NULL, NULL, NULL },
        { "ready_msec", (getter) Executor_get_ready_msec, NULL, NULL, NULL },
        { "stdin_fd", (getter) Executor_get_stdin_fd, NULL, NULL, NULL },
        { "closed", (getter) Executor_get_closed, NULL, NULL, NULL },
        { NULL },
};

static PyTypeObject ExecutorType = {
        PyVarObject_HEAD_INIT(NULL, 0).tp_name = "unitrun._unitrun.Executor",
        .tp_basicsize = sizeof(ExecutorObject),
        .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
        .tp_doc = "One unit: a process, everything it forks, and its readiness conditions.",
        .tp_new = PyType_GenericNew,
        .tp_init = (initproc) Executor_init,
        .tp_dealloc = (destructor) Executor_dealloc,
        .tp_traverse = (traverseproc) Executor_traverse,
        .tp_methods = Executor_methods,
        .tp_getset = Executor_getset,
        .tp_weaklistoffset = offsetof(ExecutorObject, weakreflist),
};

/* ---- module ------------------------------------------------------------------------------ */

static struct PyModuleDef module = {
        PyModuleDef_HEAD_INIT,
        .m_name = "unitrun._unitrun",
        .m_doc = "libunitrun bindings: Context and Executor.",
        .m_size = -1,
};

PyMODINIT_FUNC PyInit__unitrun(void);
PyMODINIT_FUNC PyInit__unitrun(void)
{
        PyObject *m;

        if (PyType_Ready(&ContextType) < 0 || PyType_Ready(&ExecutorType) < 0)
                return NULL;
        m = PyModule_Create(&module);
        if (!m)
                return NULL;
        Error = PyErr_NewExceptionWithDoc(
                "unitrun.Error", "A unit failed; .unit, .reason, .errno and .output (last lines) say how.",
                NULL, NULL);
        StartError = PyErr_NewException("unitrun.StartError", Error, NULL);
        StopError = PyErr_NewException("unitrun.StopError", Error, NULL);
        LoadError = PyErr_NewException("unitrun.LoadError", Error, NULL);
        if (!Error || !StartError || !StopError || !LoadError ||
            PyModule_AddObjectRef(m, "Error", Error) < 0 ||
            PyModule_AddObjectRef(m, "StartError", StartError) < 0 ||
            PyModule_AddObjectRef(m, "StopError", StopError) < 0 ||
            PyModule_AddObjectRef(m, "LoadError", LoadError) < 0 ||
            PyModule_AddObjectRef(m, "Context", (PyObject *) &ContextType) < 0 ||
            PyModule_AddObjectRef(m, "Executor", (PyObject *) &ExecutorType) < 0) {
                Py_DECREF(m);
                return NULL;
        }
        return m;
}
