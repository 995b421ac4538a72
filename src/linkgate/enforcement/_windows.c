/*
 * Sliding-window share counts for LocalCounter, compiled.
 *
 * The same counts as linkgate.enforcement.counters._PyWindows (the reference,
 * and what an install without a C compiler counts with): one window per plan
 * step, each a queue of events with the live count per key and, for the
 * distinct counts, each (key, member) pair's latest sighting. A share trims
 * every window, adds its events and reads the counts in one call under the
 * GIL; LocalCounter's lock keeps calls apart.
 *
 * Keys are the strings the Python windows build: a sender, a link, or
 * sender \0 subject; pairs are key \0 recipient. The queues are C arrays;
 * the dicts hold those strings and cells (below), none of which the garbage
 * collector tracks, and nothing here can form a reference cycle, so counting
 * adds nothing to the collector's passes.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

enum { LINK = 0, PLATFORM = 1, SHARES = 2, FORWARDS = 3 };

/* Fields of a linkgate.enforcement.counters.Share tuple. */
enum { F_SENDER = 1, F_RECIPIENTS = 2, F_LINK = 3, F_PLATFORM = 4, F_AT = 5, F_COUNT = 6 };

/*
 * The dicts map strings to small mutable cells, so a share finds or makes each
 * of its counts with one dict probe (PyDict_SetDefault) and its events point at
 * their cells: expiring an event needs a probe only to delete what went to
 * zero. A cell leaves its dict when its count or sighting ends ("dead"); an
 * event may still point at it, and then the dict is asked for the current one,
 * as the Python windows always ask.
 */
typedef struct {
    PyObject_HEAD
    long long n;
    PyObject *key; /* owned */
    int live;
} Tally;

typedef struct {
    PyObject_HEAD
    double when;   /* the pair's latest sighting */
    PyObject *pair; /* owned */
    int live;
} Sighting;

static void
Tally_dealloc(Tally *self)
{
    Py_XDECREF(self->key);
    PyObject_Free(self);
}

static void
Sighting_dealloc(Sighting *self)
{
    Py_XDECREF(self->pair);
    PyObject_Free(self);
}

static PyTypeObject TallyType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate.enforcement._windows.Tally",
    .tp_basicsize = sizeof(Tally),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Tally_dealloc,
};

static PyTypeObject SightingType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate.enforcement._windows.Sighting",
    .tp_basicsize = sizeof(Sighting),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Sighting_dealloc,
};

typedef struct {
    double when;
    Tally *tally;       /* owned */
    Sighting *sighting; /* distinct counts: owned; otherwise NULL */
} Event;

/*
 * A window's events queue in fixed-size blocks, and its dicts are split into
 * shards by the key's hash: neither ever copies or rehashes the whole window
 * at once. (One dict of 700,000 pairs takes about 100 ms to grow, one array of
 * a million events about as long to copy, and the request that triggers it
 * waits that long.)
 */
#define BLOCK 4096
#define SHARDS 64
#define SHARD_SHIFT (8 * sizeof(Py_uhash_t) - 6)

typedef struct Block {
    struct Block *next;
    Event events[BLOCK];
} Block;

typedef struct {
    int kind;
    double seconds;
    PyObject *out;            /* where the count is filed in the answer */
    PyObject *count[SHARDS];  /* key -> Tally */
    PyObject *last[SHARDS];   /* pair -> Sighting (distinct counts) */
    Block *first, *final;     /* the queue: first->events[head] to final->events[tail] */
    Py_ssize_t head, tail, len;
} Window;

typedef struct {
    PyObject_HEAD
    Py_ssize_t n;
    Window *windows;
    PyObject *counts_type; /* linkgate.enforcement.spam.Counts */
    Tally *spare_tally;    /* made ahead for PyDict_SetDefault */
    Sighting *spare_sighting;
} Windows;

static PyObject *SEP; /* "\0" */

static void
event_clear(Event *e)
{
    Py_CLEAR(e->tally);
    Py_CLEAR(e->sighting);
}

/* The dict of shards that holds key; borrowed, NULL with an exception set. */
static PyObject *
shard(PyObject *const *dicts, PyObject *key)
{
    Py_hash_t h = PyObject_Hash(key);
    if (h == -1) {
        return NULL;
    }
    return dicts[(Py_uhash_t)h >> SHARD_SHIFT];
}

/* Append one event; takes new references to its cells. */
static int
queue_push(Window *w, double when, Tally *tally, Sighting *sighting)
{
    if (w->final == NULL || w->tail == BLOCK) {
        Block *b = PyMem_Malloc(sizeof(Block));
        if (b == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->next = NULL;
        if (w->final == NULL) {
            w->first = b;
            w->head = 0;
        }
        else {
            w->final->next = b;
        }
        w->final = b;
        w->tail = 0;
    }
    Event *e = &w->final->events[w->tail++];
    e->when = when;
    Py_INCREF(tally);
    e->tally = tally;
    Py_XINCREF(sighting);
    e->sighting = sighting;
    w->len++;
    return 0;
}

/* Drop the oldest event (cleared by the caller). */
static void
queue_pop(Window *w)
{
    w->head++;
    w->len--;
    if (w->len == 0) { /* keep one block: an empty queue starts again at its start */
        Block *b = w->first->next;
        while (b != NULL) {
            Block *next = b->next;
            PyMem_Free(b);
            b = next;
        }
        w->first->next = NULL;
        w->final = w->first;
        w->head = w->tail = 0;
    }
    else if (w->head == BLOCK) {
        Block *done = w->first;
        w->first = done->next;
        w->head = 0;
        PyMem_Free(done);
    }
}

/* The tally for key in a window's counts, made (at zero) if there is none; borrowed. */
static Tally *
tally_for(Windows *self, Window *w, PyObject *key)
{
    PyObject *count = shard(w->count, key);
    if (count == NULL) {
        return NULL;
    }
    if (self->spare_tally == NULL) {
        self->spare_tally = PyObject_New(Tally, &TallyType);
        if (self->spare_tally == NULL) {
            return NULL;
        }
        self->spare_tally->key = NULL;
    }
    Tally *t = (Tally *)PyDict_SetDefault(count, key, (PyObject *)self->spare_tally);
    if (t == self->spare_tally) {
        Py_INCREF(key);
        t->key = key;
        t->n = 0;
        t->live = 1;
        Py_DECREF(t); /* the dict holds it now */
        self->spare_tally = NULL;
    }
    return t;
}

/* The sighting for pair in a window, made if there is none (*made set); borrowed. */
static Sighting *
sighting_for(Windows *self, Window *w, PyObject *pair, int *made)
{
    PyObject *last = shard(w->last, pair);
    if (last == NULL) {
        return NULL;
    }
    if (self->spare_sighting == NULL) {
        self->spare_sighting = PyObject_New(Sighting, &SightingType);
        if (self->spare_sighting == NULL) {
            return NULL;
        }
        self->spare_sighting->pair = NULL;
    }
    Sighting *s = (Sighting *)PyDict_SetDefault(last, pair, (PyObject *)self->spare_sighting);
    *made = s == self->spare_sighting;
    if (*made) {
        Py_INCREF(pair);
        s->pair = pair;
        s->live = 1;
        Py_DECREF(s);
        self->spare_sighting = NULL;
    }
    return s;
}

/* One fewer in a tally; at zero it leaves its dict. */
static int
tally_drop(Window *w, Tally *t)
{
    if (--t->n == 0) {
        t->live = 0;
        PyObject *count = shard(w->count, t->key);
        return count == NULL ? -1 : PyDict_DelItem(count, t->key);
    }
    return 0;
}

/* Forget the events at or before since. */
static int
window_trim(Window *w, double since)
{
    while (w->len > 0) {
        Event *e = &w->first->events[w->head];
        if (!(e->when <= since)) {
            break;
        }
        Tally *t = e->tally;
        Sighting *s = e->sighting;
        int forget = 1;
        if (s != NULL) {
            /* The pair's current sighting: forgotten with the event that made it
               (sighted again at another time since: that later event forgets it). */
            PyObject *last = shard(w->last, s->pair);
            if (last == NULL) {
                return -1;
            }
            if (!s->live) {
                s = (Sighting *)PyDict_GetItemWithError(last, e->sighting->pair);
                if (s == NULL && PyErr_Occurred()) {
                    return -1;
                }
            }
            forget = s != NULL && s->when == e->when;
            if (forget) {
                s->live = 0;
                if (PyDict_DelItem(last, s->pair) < 0) {
                    return -1;
                }
                if (!t->live) {
                    PyObject *count = shard(w->count, t->key);
                    if (count == NULL) {
                        return -1;
                    }
                    t = (Tally *)PyDict_GetItemWithError(count, t->key);
                    if (t == NULL) {
                        forget = 0;
                        if (PyErr_Occurred()) {
                            return -1;
                        }
                    }
                }
            }
        }
        if (forget && tally_drop(w, t) < 0) {
            return -1;
        }
        event_clear(e);
        queue_pop(w);
    }
    return 0;
}

static PyObject *
concat3(PyObject *a, PyObject *b)
{
    PyObject *left = PyUnicode_Concat(a, SEP);
    if (left == NULL) {
        return NULL;
    }
    PyObject *joined = PyUnicode_Concat(left, b);
    Py_DECREF(left);
    return joined;
}

/* One distinct count: returns the count for key, or -1 with an exception set. */
static long long
window_distinct(Windows *self, Window *w, PyObject *key, PyObject *recipients, double now)
{
    Py_ssize_t m = PyTuple_GET_SIZE(recipients);
    if (m == 0) {
        PyObject *count = shard(w->count, key);
        Tally *t = count == NULL ? NULL : (Tally *)PyDict_GetItemWithError(count, key);
        return t != NULL ? t->n : (PyErr_Occurred() ? -1 : 0);
    }
    Tally *t = tally_for(self, w, key);
    if (t == NULL) {
        return -1;
    }
    Py_INCREF(t); /* kept while recipients are added */
    long long result = -1;
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *pair = concat3(key, PyTuple_GET_ITEM(recipients, i));
        if (pair == NULL) {
            goto done;
        }
        int made;
        Sighting *s = sighting_for(self, w, pair, &made);
        Py_DECREF(pair);
        if (s == NULL) {
            goto done;
        }
        s->when = now;
        t->n += made;
        if (queue_push(w, now, t, s) < 0) {
            goto done;
        }
    }
    result = t->n;
    if (t->n == 0 && t->live) { /* nobody new, and nothing counted before */
        t->live = 0;
        PyObject *count = shard(w->count, key);
        if (count == NULL || PyDict_DelItem(count, key) < 0) {
            result = -1;
        }
    }
done:
    Py_DECREF(t);
    return result;
}

static int
file_count(PyObject *into, PyObject *out, long long n)
{
    PyObject *value = PyLong_FromLongLong(n);
    if (value == NULL) {
        return -1;
    }
    int rc = PyDict_SetItem(into, out, value);
    Py_DECREF(value);
    return rc;
}

static PyObject *
Windows_observe(Windows *self, PyObject *share)
{
    if (!PyTuple_Check(share) || PyTuple_GET_SIZE(share) != F_COUNT) {
        PyErr_SetString(PyExc_TypeError, "observe() takes a Share");
        return NULL;
    }
    PyObject *sender = PyTuple_GET_ITEM(share, F_SENDER);
    PyObject *recipients = PyTuple_GET_ITEM(share, F_RECIPIENTS);
    PyObject *link = PyTuple_GET_ITEM(share, F_LINK);
    PyObject *platform = PyTuple_GET_ITEM(share, F_PLATFORM);
    if (!PyUnicode_Check(sender) || !PyUnicode_Check(link) || !PyTuple_Check(recipients)
        || (platform != Py_None && !PyUnicode_Check(platform))) {
        PyErr_SetString(PyExc_TypeError, "a Share's sender, link and platform are strings");
        return NULL;
    }
    /* Everything is checked before anything is counted: a refused share changes nothing. */
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(recipients); i++) {
        if (!PyUnicode_Check(PyTuple_GET_ITEM(recipients, i))) {
            PyErr_SetString(PyExc_TypeError, "a Share's recipients are strings");
            return NULL;
        }
    }
    double now = PyFloat_AsDouble(PyTuple_GET_ITEM(share, F_AT));
    if (now == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *by = PyDict_New();
    PyObject *forwards = PyDict_New();
    PyObject *result = NULL;
    if (by == NULL || forwards == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Window *w = &self->windows[i];
        if (w->len > 0 && w->first->events[w->head].when <= now - w->seconds
            && window_trim(w, now - w->seconds) < 0) {
            goto done;
        }
        if (w->kind >= SHARES) {
            Tally *t = tally_for(self, w, w->kind == SHARES ? sender : link);
            if (t == NULL || queue_push(w, now, t, NULL) < 0) {
                goto done;
            }
            if (file_count(w->kind == SHARES ? by : forwards, w->out, ++t->n) < 0) {
                goto done;
            }
            continue;
        }
        PyObject *subject = w->kind == LINK ? link : platform;
        if (subject == Py_None) {
            continue;
        }
        PyObject *key = concat3(sender, subject);
        if (key == NULL) {
            goto done;
        }
        long long n = window_distinct(self, w, key, recipients, now);
        Py_DECREF(key);
        if (n < 0 || file_count(by, w->out, n) < 0) {
            goto done;
        }
    }
    {
        PyObject *fields = PyTuple_Pack(2, by, forwards);
        PyObject *args = fields == NULL ? NULL : PyTuple_Pack(1, fields);
        Py_XDECREF(fields);
        if (args != NULL) {
            result = PyTuple_Type.tp_new((PyTypeObject *)self->counts_type, args, NULL);
            Py_DECREF(args);
        }
    }
done:
    Py_XDECREF(by);
    Py_XDECREF(forwards);
    return result;
}

static void
Windows_free_windows(Windows *self)
{
    if (self->windows == NULL) {
        return;
    }
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Window *w = &self->windows[i];
        Py_ssize_t from = w->head;
        for (Block *b = w->first; b != NULL; from = 0) {
            Py_ssize_t to = b == w->final ? w->tail : BLOCK;
            for (Py_ssize_t j = from; j < to; j++) {
                event_clear(&b->events[j]);
            }
            Block *next = b->next;
            PyMem_Free(b);
            b = next;
        }
        Py_XDECREF(w->out);
        for (int k = 0; k < SHARDS; k++) {
            Py_XDECREF(w->count[k]);
            Py_XDECREF(w->last[k]);
        }
    }
    PyMem_Free(self->windows);
    self->windows = NULL;
    self->n = 0;
    Py_CLEAR(self->spare_tally);
    Py_CLEAR(self->spare_sighting);
}

static void
Windows_dealloc(Windows *self)
{
    Windows_free_windows(self);
    Py_XDECREF(self->counts_type);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Windows_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"steps", "counts", NULL};
    PyObject *steps, *counts_type;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!:Windows", names, &PyTuple_Type, &steps,
                                     &PyType_Type, &counts_type)) {
        return NULL;
    }
    if (!PyType_IsSubtype((PyTypeObject *)counts_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "counts must be a tuple type with two fields");
        return NULL;
    }
    Windows *self = (Windows *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    Py_INCREF(counts_type);
    self->counts_type = counts_type;
    Py_ssize_t n = PyTuple_GET_SIZE(steps);
    self->windows = PyMem_New(Window, n);
    if (self->windows == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    memset(self->windows, 0, sizeof(Window) * n);
    for (Py_ssize_t i = 0; i < n; i++) {
        Window *w = &self->windows[i];
        self->n = i + 1; /* so a failure below frees what was made */
        PyObject *out, *step = PyTuple_GET_ITEM(steps, i);
        if (!PyTuple_Check(step)) {
            PyErr_SetString(PyExc_TypeError, "a step is a (kind, out, seconds) tuple");
            goto fail;
        }
        if (!PyArg_ParseTuple(step, "iOd:step", &w->kind, &out, &w->seconds)) {
            goto fail;
        }
        if (w->kind < LINK || w->kind > FORWARDS) {
            PyErr_Format(PyExc_ValueError, "unknown count kind %d", w->kind);
            goto fail;
        }
        Py_INCREF(out);
        w->out = out;
        for (int k = 0; k < SHARDS; k++) {
            w->count[k] = PyDict_New();
            w->last[k] = PyDict_New();
            if (w->count[k] == NULL || w->last[k] == NULL) {
                goto fail;
            }
        }
    }
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static Py_ssize_t
Windows_len(Windows *self)
{
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < self->n; i++) {
        total += self->windows[i].len;
    }
    return total;
}

static PyObject *
Windows_live(Windows *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *out = PyList_New(self->n);
    if (out == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Window *w = &self->windows[i];
        PyObject *count = PyDict_New(), *last = PyDict_New(), *item = NULL;
        PyObject *key, *cell;
        int ok = count != NULL && last != NULL;
        for (int k = 0; ok && k < SHARDS; k++) {
            Py_ssize_t at = 0;
            while (ok && PyDict_Next(w->count[k], &at, &key, &cell)) {
                PyObject *n = PyLong_FromLongLong(((Tally *)cell)->n);
                ok = n != NULL && PyDict_SetItem(count, key, n) == 0;
                Py_XDECREF(n);
            }
            at = 0;
            while (ok && PyDict_Next(w->last[k], &at, &key, &cell)) {
                PyObject *when = PyFloat_FromDouble(((Sighting *)cell)->when);
                ok = when != NULL && PyDict_SetItem(last, key, when) == 0;
                Py_XDECREF(when);
            }
        }
        if (ok) {
            item = Py_BuildValue("(OOn)", count, last, w->len);
        }
        Py_XDECREF(count);
        Py_XDECREF(last);
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, item);
    }
    return out;
}

static PyMethodDef Windows_methods[] = {
    {"observe", (PyCFunction)Windows_observe, METH_O,
     "Record a share in every window and return its Counts."},
    {"live", (PyCFunction)Windows_live, METH_NOARGS,
     "Per window: the live counts, the latest sightings and the number of events (for tests)."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Windows_as_sequence = {
    .sq_length = (lenfunc)Windows_len,
};

static PyTypeObject WindowsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate.enforcement._windows.Windows",
    .tp_doc = "The sliding windows of one count plan: Windows(steps, counts).",
    .tp_basicsize = sizeof(Windows),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Windows_new,
    .tp_dealloc = (destructor)Windows_dealloc,
    .tp_methods = Windows_methods,
    .tp_as_sequence = &Windows_as_sequence,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "linkgate.enforcement._windows",
    .m_doc = "Compiled sliding-window share counts (see linkgate.enforcement.counters).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__windows(void)
{
    if (PyType_Ready(&WindowsType) < 0 || PyType_Ready(&TallyType) < 0
        || PyType_Ready(&SightingType) < 0) {
        return NULL;
    }
    SEP = PyUnicode_FromStringAndSize("\0", 1);
    if (SEP == NULL) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&WindowsType);
    if (PyModule_AddObject(m, "Windows", (PyObject *)&WindowsType) < 0) {
        Py_DECREF(&WindowsType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
