/* blocklint.load._native: libyaml events -> the loader's data, spans, key spans and id -> path
 * table, for the common case only.
 *
 * build(text: str, plain, words, span_type, max_depth, max_nodes, max_chars)
 *     -> (root, tables, ids, null_values), or None: "not mine".
 *
 * `tables` holds every node's span and every mapping value's key span compactly (a few machine
 * words a node, no Python object): its `tables()` method makes the loader's two tables, the
 * dicts `spans` and `key_spans` (path -> span_type), the first time it is called, in the order
 * TreeBuilder fills them.  Most files are clean and are never asked where a node is: for those,
 * no path of a scalar and no span is ever made.
 *
 * `null_values` says whether a mapping holds a null value (the loader drops those keys from a
 * CLI file, as the peak CLI does; without one it need not walk the data to find none).
 *
 * It reproduces blocklint/load/tree.py's TreeBuilder exactly on documents made of mappings with
 * string keys, sequences and untagged scalars of every style.  Plain scalars that may be typed
 * are typed by calling `plain` (the loader's own `yaml_plain`), save the common cases when `words`
 * is a dict (scalars.TYPED_VALUES, given when `plain` is `yaml_plain`): a scalar starting with a
 * letter or `~` is typed only when it is one of `words` (`true`, `null`, ...), and then as `words`
 * says; one starting with a digit, a sign or a dot is a string when it holds a character no YAML
 * 1.1 number or timestamp has (`10GB`), and a decimal integer (`42`, `-7`) is typed here.
 * Anything else gives None and the Python loader reads the text, as it reads every text when
 * this module is missing: a syntax error, an anchor, an alias, a tag, a key that is not a string
 * (a number, a mapping, a list), a duplicate key, a typed scalar that is not a string, integer,
 * boolean, null or finite float (a merge key, a date, NaN, `=`), a second document, nesting
 * deeper than `max_depth`, more than `max_nodes` nodes or `max_chars` bytes of scalars, or any
 * Python error along the way.
 *
 * strings_holding(root, needle) -> [(container, key, string, path)]: every string under `root` (a dict
 * or list) that holds `needle`, as load/native.py's Python walk finds them, in its order.
 *
 * holds_any(text, needles) -> whether `text` holds one of `needles`, in one pass, and
 * token_run(text, characters, length) -> whether it holds a run of `length` of `characters` (BL701's
 * cues).
 *
 * The libyaml in libyaml/ beside this file is the one ruamel.yaml.clib compiles (the Python loader's
 * parser), so events and their marks are the same.  Nothing recurses; the frame stack is
 * bounded by `max_depth`.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "yaml.h"

/* What yaml_plain may type: first characters of YAML 1.1 non-strings, `<<` and `=`; of these,
 * the letters and `~` start only words (`words`), the others numbers and timestamps, or `<<`, `=`. */
static const char MAY_BE_TYPED[] = "-+0123456789.yYnNtTfFoO~<=";
static const char WORD_STARTS[] = "yYnNtTfFoO~";
static const char NUMBER_STARTS[] = "-+0123456789.";
/* Every character of scalars.py's _INT, _FLOAT and _TIMESTAMP patterns (`0x1F`, `.inf`, `1:30`,
 * `2024-01-01 10:00:00Z`): a scalar holding another one matches none of them. */
static const char NUMBER_CHARS[] = "0123456789_+-.:abcdefABCDEFxinINTtZ \t";

/* A path is a key of both span tables (and a container's twice): its hash is worked out once. */
#if PY_VERSION_HEX < 0x030D0000
#define SET_HASHED(dict, key, value, hash) _PyDict_SetItem_KnownHash(dict, key, value, hash)
#else
#define SET_HASHED(dict, key, value, hash) PyDict_SetItem(dict, key, value)
#endif

typedef struct {
    size_t line, column, end_line, end_column;
} Marks;

/* One node's row of the span tables: its path is `base` (own) or `base` + its key or index. */
typedef struct {
    PyObject *base;      /* owned: the node's own path (own), else its parent's */
    PyObject *key;       /* owned mapping key (a str), or NULL: the node is item `index` of a list */
    Py_ssize_t index;
    int own, keyed;      /* keyed: a mapping value, with the span of its key */
    Marks span, key_span;
} Row;

typedef struct {
    PyObject_HEAD
    PyObject *span_type;
    Row *rows;
    Py_ssize_t count, allocated;
    PyObject *tables; /* (spans, key_spans), once made */
} Tables;

typedef struct {
    PyObject *container; /* dict or list (owned) */
    PyObject *path;      /* tuple (owned) */
    PyObject *key;       /* pending mapping key, a str (owned) or NULL */
    Marks key_span;      /* its marks */
    Py_ssize_t row;      /* the container's row in the tables: its end is known at its end */
} Frame;

typedef struct {
    PyObject *plain, *words, *span_type, *empty_path;
    PyObject *root, *ids;
    Tables *tables;
    Frame *stack;
    Py_ssize_t depth, max_depth;
    int null_values; /* a mapping holds a null value */
} Builder;

typedef enum { OK = 0, NOT_MINE = 1, FAILED = 2 } Outcome;

static PyObject *new_span(PyObject *span_type, const Marks *marks)
{
    PyTypeObject *type = (PyTypeObject *)span_type;
    PyObject *span = type->tp_alloc(type, 4);
    if (!span) return NULL;
    size_t values[4] = {marks->line, marks->column, marks->end_line, marks->end_column};
    for (int i = 0; i < 4; i++) {
        PyObject *number = PyLong_FromSize_t(values[i]);
        if (!number) { Py_DECREF(span); return NULL; }
        PyTuple_SET_ITEM(span, i, number);
    }
    return span;
}

static PyObject *extend_path(PyObject *path, PyObject *item)
{
    Py_ssize_t size = PyTuple_GET_SIZE(path);
    PyObject *longer = PyTuple_New(size + 1);
    if (!longer) return NULL;
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *part = PyTuple_GET_ITEM(path, i);
        Py_INCREF(part);
        PyTuple_SET_ITEM(longer, i, part);
    }
    Py_INCREF(item);
    PyTuple_SET_ITEM(longer, size, item);
    return longer;
}

static int remember_container(Builder *b, PyObject *container, PyObject *path)
{
    PyObject *id = PyLong_FromVoidPtr(container);
    if (!id) return -1;
    int failed = PyDict_SetItem(b->ids, id, path);
    Py_DECREF(id);
    return failed;
}

/* A new row of the span tables (zeroed), or NULL with an error set; its index in *index. */
static Row *add_row(Tables *t, Py_ssize_t *index)
{
    if (t->count == t->allocated) {
        Py_ssize_t allocated = t->allocated ? t->allocated * 2 : 256;
        Row *rows = PyMem_Realloc(t->rows, (size_t)allocated * sizeof(Row));
        if (!rows) { PyErr_NoMemory(); return NULL; }
        t->rows = rows;
        t->allocated = allocated;
    }
    *index = t->count;
    Row *row = &t->rows[t->count++];
    memset(row, 0, sizeof(Row));
    return row;
}

/* Place `value` (a scalar or a new container) under the top frame, or as the root, as
 * TreeBuilder does, and give it a row of the span tables (`marks`: its span).  On OK, for a
 * container, *path_out is its path (new reference) and *row_out its row; *path_out stays NULL
 * for a scalar, and for a value that became the pending key of a mapping (then *row_out is -1). */
static Outcome attach(Builder *b, PyObject *value, const Marks *marks, int is_container, PyObject **path_out,
                      Py_ssize_t *row_out)
{
    PyObject *base, *key = NULL, *path = NULL;
    Py_ssize_t index = 0;
    int own = 0, keyed = 0;
    Marks key_span = {0, 0, 0, 0};
    *path_out = NULL;
    *row_out = -1;
    if (b->depth == 0) {
        Py_INCREF(value);
        Py_XSETREF(b->root, value);
        base = b->empty_path;
        own = 1;
        if (is_container) path = Py_NewRef(base);
    } else {
        Frame *frame = &b->stack[b->depth - 1];
        base = frame->path;
        if (PyList_CheckExact(frame->container)) {
            index = PyList_GET_SIZE(frame->container);
            if (is_container) {
                PyObject *number = PyLong_FromSsize_t(index);
                if (!number) return FAILED;
                path = extend_path(base, number);
                Py_DECREF(number);
                if (!path) return FAILED;
            }
            if (PyList_Append(frame->container, value) < 0) { Py_XDECREF(path); return FAILED; }
        } else if (frame->key == NULL) {
            if (is_container || !PyUnicode_CheckExact(value)) return NOT_MINE; /* complex or typed key */
            Py_INCREF(value);
            frame->key = value;
            frame->key_span = *marks;
            return OK;
        } else {
            Py_ssize_t size = PyDict_GET_SIZE(frame->container);
            if (!PyDict_SetDefault(frame->container, frame->key, value)) return FAILED;
            if (PyDict_GET_SIZE(frame->container) == size) return NOT_MINE; /* a duplicate key: the loader's */
            b->null_values |= value == Py_None;
            if (is_container && !(path = extend_path(base, frame->key))) return FAILED;
            key = frame->key; /* the row takes the frame's reference */
            frame->key = NULL;
            key_span = frame->key_span;
            keyed = 1;
        }
    }
    Py_ssize_t at;
    Row *row = add_row(b->tables, &at);
    if (!row) { Py_XDECREF(key); Py_XDECREF(path); return FAILED; }
    if (path) { /* a container's row holds its own path */
        row->base = Py_NewRef(path);
        row->own = 1;
        Py_XDECREF(key);
    } else {
        row->base = Py_NewRef(base);
        row->own = own;
        row->key = key;
        row->index = index;
    }
    row->keyed = keyed;
    row->span = *marks;
    row->key_span = key_span;
    if (is_container && remember_container(b, value, path) < 0) {
        Py_DECREF(path);
        return FAILED;
    }
    *path_out = path;
    *row_out = at;
    return OK;
}

static void clear_rows(Tables *t)
{
    for (Py_ssize_t i = 0; i < t->count; i++) {
        Py_XDECREF(t->rows[i].base);
        Py_XDECREF(t->rows[i].key);
    }
    PyMem_Free(t->rows);
    t->rows = NULL;
    t->count = t->allocated = 0;
}

static void tables_dealloc(Tables *t)
{
    clear_rows(t);
    Py_XDECREF(t->span_type);
    Py_XDECREF(t->tables);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

/* The path of a row's node: a new reference, or NULL with an error set. */
static PyObject *row_path(const Row *row)
{
    if (row->own) return Py_NewRef(row->base);
    if (row->key) return extend_path(row->base, row->key);
    PyObject *number = PyLong_FromSsize_t(row->index);
    if (!number) return NULL;
    PyObject *path = extend_path(row->base, number);
    Py_DECREF(number);
    return path;
}

/* Fill `spans` and `key_spans` from the rows, in their order (TreeBuilder's); -1 on an error. */
static int fill_tables(Tables *t, PyObject *spans, PyObject *key_spans)
{
    for (Py_ssize_t i = 0; i < t->count; i++) {
        const Row *row = &t->rows[i];
        PyObject *path = row_path(row), *span = NULL, *key_span = NULL;
        Py_hash_t hash = path ? PyObject_Hash(path) : -1;
        int failed = hash == -1 || !(span = new_span(t->span_type, &row->span))
            || (row->keyed && (!(key_span = new_span(t->span_type, &row->key_span))
                               || SET_HASHED(key_spans, path, key_span, hash) < 0))
            || SET_HASHED(spans, path, span, hash) < 0;
        Py_XDECREF(path);
        Py_XDECREF(span);
        Py_XDECREF(key_span);
        if (failed) return -1;
    }
    return 0;
}

static PyObject *tables_tables(Tables *t, PyObject *unused)
{
    if (t->tables == NULL) {
        PyObject *spans = PyDict_New(), *key_spans = PyDict_New();
        if (!spans || !key_spans || fill_tables(t, spans, key_spans) < 0) {
            Py_XDECREF(spans);
            Py_XDECREF(key_spans);
            return NULL;
        }
        t->tables = PyTuple_Pack(2, spans, key_spans);
        Py_DECREF(spans);
        Py_DECREF(key_spans);
        if (!t->tables) return NULL;
        clear_rows(t); /* made once: the rows are no longer needed */
    }
    return Py_NewRef(t->tables);
}

static PyMethodDef tables_methods[] = {
    {"tables", (PyCFunction)tables_tables, METH_NOARGS,
     "tables() -> (spans, key_spans): path -> span dicts, made at the first call"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TablesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "blocklint.load._native.Tables",
    .tp_basicsize = sizeof(Tables),
    .tp_dealloc = (destructor)tables_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Every node's span and key span, compactly; tables() makes the loader's dicts of them",
    .tp_methods = tables_methods,
};

static int only_number_chars(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] == '\0' || !strchr(NUMBER_CHARS, text[i])) return 0;
    return 1;
}

/* Whether `text` is `[-+]?(0|[1-9][0-9]*)` of at most 18 digits, which yaml_plain types as int(text). */
static int decimal_int(const char *text, size_t length, long long *value)
{
    size_t i = length > 0 && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    size_t digits = length - i;
    if (digits == 0 || digits > 18 || (text[i] == '0' && digits > 1)) return 0;
    long long number = 0;
    for (size_t at = i; at < length; at++) {
        if (text[at] < '0' || text[at] > '9') return 0;
        number = number * 10 + (text[at] - '0');
    }
    *value = text[0] == '-' ? -number : number;
    return 1;
}

/* The value of a plain scalar that may be typed, when `words` or the number shortcuts decide it
 * (`value` itself, or another object: then `value` is released); NULL when `plain` must decide,
 * or with an error set (`value` released). */
static PyObject *typed_here(Builder *b, PyObject *value, const char *text, size_t length)
{
    if (length == 0 || strchr(WORD_STARTS, text[0])) {
        PyObject *word = PyDict_GetItemWithError(b->words, value);
        if (word || PyErr_Occurred()) Py_DECREF(value);
        return word ? Py_NewRef(word) : PyErr_Occurred() ? NULL : value;
    }
    if (!strchr(NUMBER_STARTS, text[0])) return NULL; /* `<<`, `=` */
    if (!only_number_chars(text, length)) return value;
    long long number;
    if (!decimal_int(text, length, &number)) return NULL;
    Py_DECREF(value);
    return PyLong_FromLongLong(number);
}

/* The value of an untagged scalar, as TreeBuilder types it; NULL with *outcome set otherwise. */
static PyObject *scalar_value(Builder *b, yaml_event_t *event, Outcome *outcome)
{
    const char *text = (const char *)event->data.scalar.value;
    size_t length = event->data.scalar.length;
    PyObject *value = PyUnicode_DecodeUTF8(text, (Py_ssize_t)length, "strict");
    *outcome = FAILED;
    if (!value) return NULL;
    if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !event->data.scalar.plain_implicit)
        return value;
    if (length > 0 && !strchr(MAY_BE_TYPED, text[0])) return value;
    if (b->words != Py_None) {
        PyObject *typed = typed_here(b, value, text, length);
        if (typed || PyErr_Occurred()) return typed;
    }
    PyObject *typed = PyObject_CallOneArg(b->plain, value);
    Py_DECREF(value);
    if (!typed) return NULL;
    if (PyUnicode_CheckExact(typed) || PyLong_CheckExact(typed) || PyBool_Check(typed) || typed == Py_None
        || (PyFloat_CheckExact(typed) && isfinite(PyFloat_AS_DOUBLE(typed))))
        return typed;
    Py_DECREF(typed); /* a merge key, a date, NaN, what the CLI cannot load: the loader's findings */
    *outcome = NOT_MINE;
    return NULL;
}

static Outcome on_scalar(Builder *b, yaml_event_t *event)
{
    if (event->data.scalar.anchor || event->data.scalar.tag) return NOT_MINE;
    Outcome outcome;
    PyObject *value = scalar_value(b, event, &outcome);
    if (!value) return outcome;
    Marks marks = {event->start_mark.line, event->start_mark.column, event->end_mark.line, event->end_mark.column};
    PyObject *path;
    Py_ssize_t row;
    outcome = attach(b, value, &marks, 0, &path, &row);
    Py_DECREF(value);
    return outcome;
}

static Outcome on_start(Builder *b, yaml_event_t *event)
{
    int is_mapping = event->type == YAML_MAPPING_START_EVENT;
    const void *anchor = is_mapping ? event->data.mapping_start.anchor : event->data.sequence_start.anchor;
    const void *tag = is_mapping ? event->data.mapping_start.tag : event->data.sequence_start.tag;
    if (anchor || tag || b->depth >= b->max_depth) return NOT_MINE;
    PyObject *container = is_mapping ? PyDict_New() : PyList_New(0);
    if (!container) return FAILED;
    /* its span's end is known at its end (on_end) */
    Marks marks = {event->start_mark.line, event->start_mark.column, 0, 0};
    PyObject *path = NULL;
    Py_ssize_t row;
    Outcome outcome = attach(b, container, &marks, 1, &path, &row);
    if (outcome != OK) { Py_DECREF(container); return outcome; }
    Frame *frame = &b->stack[b->depth++];
    frame->container = container;
    frame->path = path;
    frame->key = NULL;
    frame->row = row;
    return OK;
}

static void drop_frame(Frame *frame)
{
    Py_CLEAR(frame->container);
    Py_CLEAR(frame->path);
    Py_CLEAR(frame->key);
}

static Outcome on_end(Builder *b, yaml_event_t *event)
{
    if (b->depth == 0) return NOT_MINE; /* libyaml never does this; the loader would say what */
    Frame *frame = &b->stack[--b->depth];
    Row *row = &b->tables->rows[frame->row];
    row->span.end_line = event->end_mark.line;
    row->span.end_column = event->end_mark.column;
    drop_frame(frame);
    return OK;
}

/* Read every event; OK when the whole stream was the common case. */
static Outcome read_events(Builder *b, yaml_parser_t *parser, size_t max_nodes, size_t max_chars)
{
    size_t nodes = 0, chars = 0;
    int documents = 0;
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(parser, &event)) return NOT_MINE; /* the loader words the error */
        Outcome outcome = OK;
        int done = 0;
        switch (event.type) {
        case YAML_SCALAR_EVENT:
            chars += event.data.scalar.length; /* bytes: never fewer than the loader's characters */
            outcome = ++nodes > max_nodes || chars > max_chars ? NOT_MINE : on_scalar(b, &event);
            break;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            outcome = ++nodes > max_nodes ? NOT_MINE : on_start(b, &event);
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            outcome = on_end(b, &event);
            break;
        case YAML_DOCUMENT_START_EVENT:
            outcome = ++documents > 1 ? NOT_MINE : OK; /* a second document is the loader's BL009 */
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        default: /* an alias, or an event this builder does not know */
            outcome = NOT_MINE;
        }
        yaml_event_delete(&event);
        if (outcome != OK || done) return outcome;
    }
}

static PyObject *build(PyObject *module, PyObject *args)
{
    PyObject *text, *plain, *words, *span_type;
    Py_ssize_t max_depth, max_nodes, max_chars;
    if (!PyArg_ParseTuple(args, "UOOOnnn:build", &text, &plain, &words, &span_type, &max_depth, &max_nodes,
                          &max_chars))
        return NULL;
    if (words != Py_None && !PyDict_CheckExact(words)) {
        PyErr_SetString(PyExc_TypeError, "words must be a dict or None");
        return NULL;
    }
    if (!PyType_Check(span_type) || !PyType_IsSubtype((PyTypeObject *)span_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "span_type must be a tuple subclass");
        return NULL;
    }
    if (max_depth < 1 || max_nodes < 0 || max_chars < 0) {
        PyErr_SetString(PyExc_ValueError, "limits must be positive");
        return NULL;
    }
    Py_ssize_t length;
    const char *utf8 = PyUnicode_AsUTF8AndSize(text, &length);
    if (!utf8) { PyErr_Clear(); Py_RETURN_NONE; } /* lone surrogates: the loader's case */

    Builder b = {plain, words, span_type, PyTuple_New(0), NULL, PyDict_New(), NULL, NULL, 0, max_depth, 0};
    b.tables = PyObject_New(Tables, &TablesType);
    if (b.tables) {
        b.tables->span_type = Py_NewRef(span_type);
        b.tables->rows = NULL;
        b.tables->count = b.tables->allocated = 0;
        b.tables->tables = NULL;
    }
    b.stack = PyMem_Calloc((size_t)max_depth, sizeof(Frame));
    Outcome outcome = FAILED;
    yaml_parser_t parser;
    if (b.empty_path && b.ids && b.tables && b.stack) {
        if (!yaml_parser_initialize(&parser)) {
            PyErr_NoMemory();
        } else {
            yaml_parser_set_input_string(&parser, (const unsigned char *)utf8, (size_t)length);
            outcome = read_events(&b, &parser, (size_t)max_nodes, (size_t)max_chars);
            yaml_parser_delete(&parser);
        }
    } else if (!PyErr_Occurred()) {
        PyErr_NoMemory();
    }
    PyObject *result = NULL;
    if (outcome == OK && b.depth == 0) {
        result = PyTuple_Pack(4, b.root ? b.root : Py_None, (PyObject *)b.tables, b.ids,
                              b.null_values ? Py_True : Py_False);
    } else if (outcome == FAILED && PyErr_ExceptionMatches(PyExc_KeyboardInterrupt)) {
        result = NULL; /* the user's interrupt is not a file's problem */
    } else {
        PyErr_Clear(); /* anything else: the loader reads it and says what it finds */
        result = Py_NewRef(Py_None);
    }
    while (b.depth > 0) drop_frame(&b.stack[--b.depth]);
    PyMem_Free(b.stack);
    Py_XDECREF(b.root);
    Py_XDECREF(b.tables);
    Py_XDECREF(b.ids);
    Py_XDECREF(b.empty_path);
    return result;
}

/* Deeper than the loader ever nests (tree.MAX_DEPTH): data from elsewhere stops here. */
#define WALK_MAX_DEPTH 1000

/* Append (container, key, value, path) to `found` for each string of `node` that holds
 * `needle`, then do the same under each of its mappings and lists in turn. */
static int walk_strings(PyObject *node, PyObject *path, PyObject *needle, PyObject *found, int depth)
{
    if (depth > WALK_MAX_DEPTH) {
        PyErr_SetString(PyExc_RecursionError, "data nested too deep to walk");
        return -1;
    }
    int is_dict = PyDict_CheckExact(node);
    for (int containers = 0; containers < 2; containers++) {
        Py_ssize_t position = 0, index = 0;
        PyObject *key = NULL, *value;
        for (;;) {
            if (is_dict) {
                if (!PyDict_Next(node, &position, &key, &value)) break;
            } else {
                if (index >= PyList_GET_SIZE(node)) break;
                value = PyList_GET_ITEM(node, index);
                key = NULL;
            }
            int wanted;
            if (containers) {
                wanted = PyDict_CheckExact(value) || PyList_CheckExact(value);
            } else if (PyUnicode_CheckExact(value)) {
                Py_ssize_t at = PyUnicode_Find(value, needle, 0, PY_SSIZE_T_MAX, 1);
                if (at == -2) return -1;
                wanted = at >= 0;
            } else {
                wanted = 0;
            }
            if (wanted) {
                PyObject *name = key ? Py_NewRef(key) : PyLong_FromSsize_t(index);
                PyObject *longer = name ? extend_path(path, name) : NULL;
                int failed = !longer;
                if (!failed && containers) {
                    failed = walk_strings(value, longer, needle, found, depth + 1) < 0;
                } else if (!failed) {
                    PyObject *entry = PyTuple_Pack(4, node, name, value, longer);
                    failed = !entry || PyList_Append(found, entry) < 0;
                    Py_XDECREF(entry);
                }
                Py_XDECREF(name);
                Py_XDECREF(longer);
                if (failed) return -1;
            }
            index++;
        }
    }
    return 0;
}

static PyObject *strings_holding(PyObject *module, PyObject *args)
{
    PyObject *root, *needle;
    if (!PyArg_ParseTuple(args, "OU:strings_holding", &root, &needle)) return NULL;
    if (!PyDict_CheckExact(root) && !PyList_CheckExact(root)) {
        PyErr_SetString(PyExc_TypeError, "strings_holding takes a dict or a list");
        return NULL;
    }
    PyObject *found = PyList_New(0), *path = PyTuple_New(0);
    if (!found || !path || walk_strings(root, path, needle, found, 0) < 0) Py_CLEAR(found);
    Py_XDECREF(path);
    return found;
}

/* The index of the lowest bit set in `bits` (not 0). */
static int lowest_bit(uint64_t bits)
{
#if defined(__GNUC__) || defined(__clang__)
    return __builtin_ctzll(bits);
#else
    int index = 0;
    while (!(bits & 1)) { bits >>= 1; index++; }
    return index;
#endif
}

/* Whether `text` holds one of `needles` (a tuple of str), in one pass over its UTF-8 bytes (a
 * needle's bytes occur in them exactly where it occurs in the text); None for a text that has no
 * UTF-8 form (a lone surrogate): the caller searches it itself. */
static PyObject *holds_any(PyObject *module, PyObject *args)
{
    PyObject *text, *needles;
    if (!PyArg_ParseTuple(args, "UO!:holds_any", &text, &PyTuple_Type, &needles)) return NULL;
    Py_ssize_t count = PyTuple_GET_SIZE(needles), length;
    const char *bytes = PyUnicode_AsUTF8AndSize(text, &length);
    if (!bytes) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return NULL;
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    const char *wanted[64];
    Py_ssize_t sizes[64];
    uint64_t starts[256] = {0}; /* by first byte: the needles that start with it, as bits */
    if (count > 64) {
        PyErr_SetString(PyExc_ValueError, "holds_any takes at most 64 needles");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *needle = PyTuple_GET_ITEM(needles, i);
        if (!PyUnicode_Check(needle)) {
            PyErr_SetString(PyExc_TypeError, "needles must be str");
            return NULL;
        }
        if (!(wanted[i] = PyUnicode_AsUTF8AndSize(needle, &sizes[i]))) return NULL;
        if (sizes[i] == 0) Py_RETURN_TRUE; /* the empty text is in every text */
        starts[(unsigned char)wanted[i][0]] |= (uint64_t)1 << i;
    }
    for (Py_ssize_t at = 0; at < length; at++) {
        for (uint64_t left = starts[(unsigned char)bytes[at]]; left; left &= left - 1) {
            int i = lowest_bit(left);
            if (sizes[i] <= length - at && !memcmp(bytes + at, wanted[i], (size_t)sizes[i])) Py_RETURN_TRUE;
        }
    }
    Py_RETURN_FALSE;
}

/* Whether `text` holds a run of `length` or more of `characters` (ASCII) in a row; None for a
 * text that has no UTF-8 form (a lone surrogate): the caller searches it itself. */
static PyObject *token_run(PyObject *module, PyObject *args)
{
    PyObject *text, *characters;
    Py_ssize_t length, size;
    if (!PyArg_ParseTuple(args, "UUn:token_run", &text, &characters, &length)) return NULL;
    if (!PyUnicode_IS_ASCII(characters)) {
        PyErr_SetString(PyExc_ValueError, "token_run takes ASCII characters");
        return NULL;
    }
    const char *bytes = PyUnicode_AsUTF8AndSize(text, &size);
    if (!bytes) {
        if (!PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) return NULL;
        PyErr_Clear();
        Py_RETURN_NONE;
    }
    unsigned char token[256] = {0};
    const char *wanted = PyUnicode_AsUTF8(characters);
    for (; *wanted; wanted++) token[(unsigned char)*wanted] = 1;
    if (length <= 0) Py_RETURN_TRUE;
    Py_ssize_t run = 0;
    for (Py_ssize_t at = 0; at < size; at++) {
        run = token[(unsigned char)bytes[at]] ? run + 1 : 0;
        if (run >= length) Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"build", build, METH_VARARGS,
     "build(text, plain, words, span_type, max_depth, max_nodes, max_chars) -> (root, tables, ids, null_values) "
     "or None"},
    {"holds_any", holds_any, METH_VARARGS,
     "holds_any(text, needles) -> whether text holds one of the needles (a tuple of str), or None for a text "
     "with a lone surrogate"},
    {"token_run", token_run, METH_VARARGS,
     "token_run(text, characters, length) -> whether text holds length or more of characters in a row, or None "
     "for a text with a lone surrogate"},
    {"strings_holding", strings_holding, METH_VARARGS,
     "strings_holding(root, needle) -> [(container, key, string, path)] of every string under root that holds "
     "needle: a mapping's or list's own strings, then those under each of its mappings and lists in turn"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "blocklint.load._native",
    "libyaml events to the loader's data and spans, for the common case (see native/treebuilder.c)", -1, methods,
};

PyMODINIT_FUNC PyInit__native(void)
{
    if (PyType_Ready(&TablesType) < 0) return NULL;
    return PyModule_Create(&module);
}
