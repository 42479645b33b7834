/* Measurement prototype (not product code): libyaml events -> Python dicts/lists + path -> span.
 *
 * build(text: bytes, plain=None, key_spans=None, span_type=None) -> (data, spans)
 *
 *   data       dicts, lists and str scalars.  Plain scalars stay str unless `plain` is given: then
 *              each plain scalar whose first character could start a non-string YAML 1.1 value
 *              (or the empty scalar) is passed to plain(text) -- the Python loader's own typing.
 *   spans      {path tuple: (line, column, end_line, end_column)}, 0-based, from libyaml's marks;
 *              a container's span runs from its start event to its end event, as in tree.py.
 *   key_spans  when a dict is passed, it is filled with {path: span of the key}.
 *   span_type  when a tuple subclass is passed (blocklint's Span), spans are instances of it.
 *
 * Not handled (a prototype): aliases and anchors, merge keys, tags (tagged scalars keep their
 * text), complex keys, duplicate-key reports, node/size limits.  Only nesting is capped (100).
 * A syntax error or an unsupported construct raises ValueError.  Only the first document is read.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <yaml.h>
#include <string.h>

#define MAX_DEPTH 100

typedef struct {
    PyObject *container;  /* dict or list */
    PyObject *path;       /* tuple */
    PyObject *key;        /* pending key (mapping) or NULL */
    PyObject *key_span;
    size_t line, column;  /* start mark */
} Frame;

static PyTypeObject *g_span_type;

static PyObject *make_span(size_t l, size_t c, size_t el, size_t ec)
{
    PyObject *t = g_span_type ? g_span_type->tp_alloc(g_span_type, 4) : PyTuple_New(4);
    if (!t) return NULL;
    PyObject *a = PyLong_FromSize_t(l), *b = PyLong_FromSize_t(c);
    PyObject *d = PyLong_FromSize_t(el), *e = PyLong_FromSize_t(ec);
    if (!a || !b || !d || !e) { Py_XDECREF(a); Py_XDECREF(b); Py_XDECREF(d); Py_XDECREF(e); Py_DECREF(t); return NULL; }
    PyTuple_SET_ITEM(t, 0, a); PyTuple_SET_ITEM(t, 1, b);
    PyTuple_SET_ITEM(t, 2, d); PyTuple_SET_ITEM(t, 3, e);
    return t;
}

static PyObject *extend_path(PyObject *path, PyObject *item)
{
    Py_ssize_t n = PyTuple_GET_SIZE(path);
    PyObject *t = PyTuple_New(n + 1);
    if (!t) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PyTuple_GET_ITEM(path, i);
        Py_INCREF(o);
        PyTuple_SET_ITEM(t, i, o);
    }
    Py_INCREF(item);
    PyTuple_SET_ITEM(t, n, item);
    return t;
}

static int maybe_typed(const char *s, size_t n)
{
    return n == 0 || strchr("-+0123456789.yYnNtTfFoO~", s[0]) != NULL;
}

/* Attach `value` under the top frame (or as the root).  Returns its path (new reference), or
 * Py_None (new reference) when the value became a pending key, or NULL on error. */
static PyObject *attach(Frame *stack, int depth, PyObject *value, PyObject *span,
                        PyObject **root, PyObject *spans, PyObject *key_spans, PyObject *empty)
{
    if (depth == 0) {
        Py_INCREF(value);
        *root = value;
        if (PyDict_SetItem(spans, empty, span) < 0) return NULL;
        Py_INCREF(empty);
        return empty;
    }
    Frame *f = &stack[depth - 1];
    PyObject *path;
    if (PyList_CheckExact(f->container)) {
        PyObject *index = PyLong_FromSsize_t(PyList_GET_SIZE(f->container));
        if (!index) return NULL;
        path = extend_path(f->path, index);
        Py_DECREF(index);
        if (!path) return NULL;
        if (PyList_Append(f->container, value) < 0) { Py_DECREF(path); return NULL; }
    } else if (f->key == NULL) {
        if (PyDict_Check(value) || PyList_Check(value)) {
            PyErr_SetString(PyExc_ValueError, "complex key (a mapping or list used as a key)");
            return NULL;
        }
        Py_INCREF(value); f->key = value;
        Py_INCREF(span); f->key_span = span;
        Py_RETURN_NONE;
    } else {
        PyObject *key = f->key, *key_span = f->key_span;
        f->key = NULL; f->key_span = NULL;
        path = extend_path(f->path, key);
        if (!path || PyDict_SetItem(f->container, key, value) < 0
            || (key_spans && PyDict_SetItem(key_spans, path, key_span) < 0)) {
            Py_XDECREF(path); Py_DECREF(key); Py_DECREF(key_span); return NULL;
        }
        Py_DECREF(key); Py_DECREF(key_span);
    }
    if (PyDict_SetItem(spans, path, span) < 0) { Py_DECREF(path); return NULL; }
    return path;
}

static PyObject *build(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"text", "plain", "key_spans", "span_type", NULL};
    Py_buffer text;
    PyObject *plain = Py_None, *key_spans = Py_None, *span_type = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|OOO", names, &text, &plain, &key_spans, &span_type))
        return NULL;
    if (plain == Py_None) plain = NULL;
    if (key_spans == Py_None) key_spans = NULL;
    else if (!PyDict_Check(key_spans)) { PyBuffer_Release(&text); PyErr_SetString(PyExc_TypeError, "key_spans must be a dict"); return NULL; }
    if (span_type != Py_None && !(PyType_Check(span_type) && PyType_IsSubtype((PyTypeObject *)span_type, &PyTuple_Type))) {
        PyBuffer_Release(&text); PyErr_SetString(PyExc_TypeError, "span_type must be a tuple subclass"); return NULL;
    }
    g_span_type = span_type == Py_None ? NULL : (PyTypeObject *)span_type;

    yaml_parser_t parser;
    yaml_event_t event;
    Frame stack[MAX_DEPTH];
    int depth = 0, done = 0, documents = 0, have_event = 0;
    PyObject *root = NULL, *spans = PyDict_New(), *empty = PyTuple_New(0), *result = NULL;
    if (!spans || !empty) goto out_noparser;
    if (!yaml_parser_initialize(&parser)) { PyErr_NoMemory(); goto out_noparser; }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text.buf, (size_t)text.len);

    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            PyErr_Format(PyExc_ValueError, "invalid YAML: %s (line %zu, column %zu)",
                         parser.problem ? parser.problem : "?", parser.problem_mark.line + 1,
                         parser.problem_mark.column + 1);
            goto out;
        }
        have_event = 1;
        yaml_mark_t s = event.start_mark, e = event.end_mark;
        switch (event.type) {
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)event.data.scalar.value;
            size_t n = event.data.scalar.length;
            PyObject *value = PyUnicode_DecodeUTF8(v, (Py_ssize_t)n, "surrogatepass");
            if (!value) goto out;
            if (plain && event.data.scalar.plain_implicit && event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                && maybe_typed(v, n)) {
                PyObject *typed = PyObject_CallOneArg(plain, value);
                Py_DECREF(value);
                if (!typed) goto out;
                value = typed;
            }
            PyObject *span = make_span(s.line, s.column, e.line, e.column);
            if (!span) { Py_DECREF(value); goto out; }
            PyObject *path = attach(stack, depth, value, span, &root, spans, key_spans, empty);
            Py_DECREF(value); Py_DECREF(span);
            if (!path) goto out;
            Py_DECREF(path);
            break;
        }
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
            if (depth >= MAX_DEPTH) {
                PyErr_Format(PyExc_ValueError, "nesting deeper than %d levels (line %zu)", MAX_DEPTH, s.line + 1);
                goto out;
            }
            PyObject *container = event.type == YAML_MAPPING_START_EVENT ? PyDict_New() : PyList_New(0);
            if (!container) goto out;
            PyObject *span = make_span(s.line, s.column, e.line, e.column);
            if (!span) { Py_DECREF(container); goto out; }
            PyObject *path = attach(stack, depth, container, span, &root, spans, key_spans, empty);
            Py_DECREF(span);
            if (!path) { Py_DECREF(container); goto out; }
            Frame *f = &stack[depth++];
            f->container = container; f->path = path; f->key = NULL; f->key_span = NULL;
            f->line = s.line; f->column = s.column;
            break;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: {
            Frame *f = &stack[--depth];
            int bad = 0;
            if (f->path != Py_None) {
                PyObject *span = make_span(f->line, f->column, e.line, e.column);
                bad = !span || PyDict_SetItem(spans, f->path, span) < 0;
                Py_XDECREF(span);
            }
            Py_DECREF(f->container); Py_DECREF(f->path);
            Py_XDECREF(f->key); Py_XDECREF(f->key_span);
            if (bad) goto out;
            break;
        }
        case YAML_ALIAS_EVENT:
            PyErr_SetString(PyExc_ValueError, "aliases are not supported by the prototype");
            goto out;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1) done = 1;  /* the loader reads one document */
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
        have_event = 0;
    }
    if (!root) { Py_INCREF(Py_None); root = Py_None; }
    result = PyTuple_Pack(2, root, spans);
out:
    if (have_event) yaml_event_delete(&event);
    while (depth > 0) {
        Frame *f = &stack[--depth];
        Py_DECREF(f->container); Py_DECREF(f->path); Py_XDECREF(f->key); Py_XDECREF(f->key_span);
    }
    yaml_parser_delete(&parser);
out_noparser:
    Py_XDECREF(root); Py_XDECREF(spans); Py_XDECREF(empty);
    PyBuffer_Release(&text);
    g_span_type = NULL;
    return result;
}

/* events(text: bytes) -> int: parse and count libyaml's events, building nothing (the floor). */
static PyObject *events(PyObject *self, PyObject *arg)
{
    Py_buffer text;
    if (PyObject_GetBuffer(arg, &text, PyBUF_SIMPLE) < 0) return NULL;
    yaml_parser_t parser;
    yaml_event_t event;
    long count = 0;
    int done = 0, ok = 1;
    if (!yaml_parser_initialize(&parser)) { PyBuffer_Release(&text); return PyErr_NoMemory(); }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text.buf, (size_t)text.len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) { ok = 0; break; }
        done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
        count++;
    }
    if (!ok) PyErr_Format(PyExc_ValueError, "invalid YAML: %s", parser.problem ? parser.problem : "?");
    yaml_parser_delete(&parser);
    PyBuffer_Release(&text);
    return ok ? PyLong_FromLong(count) : NULL;
}

static PyMethodDef methods[] = {
    {"events", events, METH_O, "events(text: bytes) -> int: libyaml's events counted, nothing built"},
    {"build", (PyCFunction)(void (*)(void))build, METH_VARARGS | METH_KEYWORDS,
     "build(text: bytes, plain=None, key_spans=None, span_type=None) -> (data, spans)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "treebuilder",
                                    "libyaml events -> dicts/lists and path spans (measurement prototype)",
                                    -1, methods};

PyMODINIT_FUNC PyInit_treebuilder(void) { return PyModule_Create(&module); }
