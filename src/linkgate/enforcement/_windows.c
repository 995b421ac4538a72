/*
 * Sliding-window share counts for LocalCounter, compiled.
 *
 * The same counts as linkgate.enforcement.counters._PyWindows (the reference,
 * and what an install without a C compiler counts with): one window per plan
 * step, each a queue of events with the live count per key and, for the
 * distinct counts, each (key, member) pair's latest sighting. A share trims
 * every window, adds its events and reads the counts in one call that holds
 * the GIL throughout, so calls never interleave.
 *
 * A key is a sender, a link, or (sender, subject); a pair is (sender,
 * subject, recipient). Where the Python windows join these into one string,
 * here each is a cell, found in a hash table of this file by a hash combined
 * from the parts' own (cached) string hashes, and told apart from any other
 * cell with that hash by comparing the parts: a key's cell (a tally) holds
 * its strings, a pair's cell (a sighting) its key's tally and the recipient.
 * A share so builds no key strings, and a lookup reads one slot (hash and
 * cell side by side) and, on a hash match, the cell.
 *
 * Events point at one cell each (a distinct count's at its sighting, which
 * leads to the tally), so expiry needs a lookup only to delete what reached
 * zero. A cell leaves its table when its count or sighting ends
 * ("dead"); an event may still point at it, and then the table is asked for
 * the current one, as the Python windows always ask their dicts. Cells are
 * counted references (one per event and per sighting of a tally, one while
 * in the table) and hold the only Python objects here, strings, so nothing
 * can form a reference cycle and counting adds nothing to the garbage
 * collector's passes.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { LINK = 0, PLATFORM = 1, SHARES = 2, FORWARDS = 3 };

/* Fields of a linkgate.enforcement.counters.Share tuple. */
enum { F_SENDER = 1, F_RECIPIENTS = 2, F_LINK = 3, F_PLATFORM = 4, F_AT = 5, F_COUNT = 6 };

/* A key (a tally: one or two strings) or a pair (a sighting: its key's tally and one
   string, the recipient). */
typedef struct Cell {
    uint64_t hash;
    PyObject *part[2];  /* owned; NULL past the last part */
    struct Cell *tally; /* a sighting's tally (owned); NULL for a tally */
    union {
        long long n; /* a tally's live count */
        double when; /* a sighting's latest time */
    };
    /* Events and sightings pointing here, plus one while in its table: each sighting has
       an event of its own, so at most the live events and one, which
       LocalCounter's memory bound (at most 2^31, MAX_EVENTS_LIMIT) keeps below 2^32. */
    uint32_t refs;
    uint32_t live; /* in its table */
} Cell;
/* 48 bytes where pointers take 8: a size class of the allocator below 64, a quarter less
   memory for the cells, which outnumber everything else the windows hold. */
_Static_assert(sizeof(void *) != 8 || sizeof(Cell) == 48, "a cell takes 48 bytes");

static void
cell_release(Cell *c)
{
    if (c != NULL && --c->refs == 0) {
        for (int i = 0; i < 2; i++) {
            Py_XDECREF(c->part[i]);
        }
        Cell *tally = c->tally;
        PyMem_Free(c);
        cell_release(tally); /* a tally has none: this goes one level down at most */
    }
}

/*
 * Open addressing with linear probing; deletion shifts the run back, so there
 * are no tombstones. Each window's tables are split into shards by the top
 * bits of the hash: a table that doubles copies one shard, never the window.
 * (One dict of 700,000 pairs takes about 100 ms to grow, and the request that
 * triggers it waits that long.)
 */
#define SHARDS 64
#define SHARD_SHIFT 58
#define MIN_SLOTS 8

typedef struct {
    uint64_t hash;
    Cell *cell; /* NULL: empty */
} Slot;

typedef struct {
    Slot *slots;
    size_t mask; /* slots - 1; 0 before the first insert */
    size_t used;
} Table;

static inline uint64_t
mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* A string's hash as str computes it (once per string object, cached by it: read here
   without a call when it is); a str's hash cannot fail, and a subclass's own __hash__ is
   not asked, as its __eq__ is not (same_str). */
static inline uint64_t
str_hash(PyObject *s)
{
    Py_hash_t h = ((PyASCIIObject *)s)->hash;
    return (uint64_t)(h != -1 ? h : PyUnicode_Type.tp_hash(s));
}

static inline int
same_str(PyObject *a, PyObject *b)
{
    if (a == b) {
        return 1;
    }
    Py_ssize_t len = PyUnicode_GET_LENGTH(a);
    int kind = PyUnicode_KIND(a);
    return len == PyUnicode_GET_LENGTH(b) && kind == PyUnicode_KIND(b)
           && memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), (size_t)len * (size_t)kind) == 0;
}

/* Whether c is the cell of this key: the same tally (NULL for a tally) and strings. */
static inline int
same_parts(const Cell *c, const Cell *tally, PyObject *const *part, int n)
{
    if (c->tally != tally) {
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (!same_str(c->part[i], part[i])) {
            return 0;
        }
    }
    return 1;
}

/* The slot holding the cell with this key (a tally, NULL for a tally's own key, and
   strings), or the empty slot where it would go. */
static Slot *
table_probe(const Table *t, uint64_t hash, const Cell *tally, PyObject *const *part, int n)
{
    size_t i = (size_t)hash & t->mask;
    for (;;) {
        Slot *s = &t->slots[i];
        if (s->cell == NULL || (s->hash == hash && same_parts(s->cell, tally, part, n))) {
            return s;
        }
        i = (i + 1) & t->mask;
    }
}

static int
table_resize(Table *t, size_t slots)
{
    Slot *fresh = PyMem_Calloc(slots, sizeof(Slot));
    if (fresh == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    size_t mask = slots - 1;
    if (t->slots != NULL) {
        for (size_t i = 0; i <= t->mask; i++) {
            if (t->slots[i].cell != NULL) {
                size_t j = (size_t)t->slots[i].hash & mask;
                while (fresh[j].cell != NULL) {
                    j = (j + 1) & mask;
                }
                fresh[j] = t->slots[i];
            }
        }
        PyMem_Free(t->slots);
    }
    t->slots = fresh;
    t->mask = mask;
    return 0;
}

/* The cell with this key, or NULL. */
static Cell *
table_get(const Table *t, uint64_t hash, const Cell *tally, PyObject *const *part, int n)
{
    return t->slots == NULL ? NULL : table_probe(t, hash, tally, part, n)->cell;
}

/* The cell with this key, made (zeroed, in the table) if there is none; borrowed.
   *made tells which. NULL with an exception set when memory ran out. */
static Cell *
table_get_or_make(Table *t, uint64_t hash, Cell *tally, PyObject *const *part, int n,
                  int *made)
{
    Slot *s = NULL;
    if (t->slots != NULL) {
        s = table_probe(t, hash, tally, part, n);
        if (s->cell != NULL) {
            *made = 0;
            return s->cell;
        }
    }
    if (t->slots == NULL || (t->used + 1) * 2 > t->mask + 1) {
        if (table_resize(t, t->slots == NULL ? MIN_SLOTS : (t->mask + 1) * 2) < 0) {
            return NULL;
        }
        s = table_probe(t, hash, tally, part, n);
    }
    Cell *c = PyMem_Malloc(sizeof(Cell));
    if (c == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    c->hash = hash;
    for (int i = 0; i < 2; i++) {
        c->part[i] = i < n ? Py_NewRef(part[i]) : NULL;
    }
    c->tally = tally;
    if (tally != NULL) {
        tally->refs++;
    }
    c->n = 0;
    c->refs = 1;
    c->live = 1;
    s->hash = hash;
    s->cell = c;
    t->used++;
    *made = 1;
    return c;
}

/* Take a live cell out of its table (and give up the table's reference). */
static void
table_remove(Table *t, Cell *c)
{
    size_t mask = t->mask;
    size_t i = (size_t)c->hash & mask;
    while (t->slots[i].cell != c) {
        i = (i + 1) & mask;
    }
    /* Shift back every later slot of the run that may move into the hole. */
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (t->slots[j].cell == NULL) {
            break;
        }
        size_t home = (size_t)t->slots[j].hash & mask;
        int stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].cell = NULL;
    t->used--;
    c->live = 0;
    /* Give memory back after a burst: a table a sixteenth full shrinks to a quarter. */
    if (t->mask + 1 > MIN_SLOTS && t->used * 16 < t->mask + 1) {
        size_t slots = (t->mask + 1) / 4;
        if (table_resize(t, slots < MIN_SLOTS ? MIN_SLOTS : slots) < 0) {
            PyErr_Clear(); /* kept at its size: still correct */
        }
    }
    cell_release(c);
}

static void
table_clear(Table *t)
{
    if (t->slots == NULL) {
        return;
    }
    for (size_t i = 0; i <= t->mask; i++) {
        Cell *c = t->slots[i].cell;
        if (c != NULL) {
            c->live = 0;
            cell_release(c);
        }
    }
    PyMem_Free(t->slots);
    t->slots = NULL;
    t->mask = t->used = 0;
}

typedef struct {
    double when;
    Cell *cell; /* owned: a distinct count's sighting, any other count's tally */
} Event;

/* A window's events queue in fixed-size blocks: the queue never copies itself to grow. */
#define BLOCK 4096

typedef struct Block {
    struct Block *next;
    Event events[BLOCK];
} Block;

typedef struct {
    int kind;
    double seconds;
    /* Where the count is filed in the answer: its place among Windows.forward_keys (a
       forwards count) or Windows.by_keys, and among by_keys_no_platform for a link of no
       platform (-1 for a platform count, which such a link does not have). */
    Py_ssize_t slot, slot_no_platform;
    uint64_t key;         /* this share's key hash here (filed by prefetch_slots) */
    Table count[SHARDS];  /* key -> tally */
    Table last[SHARDS];   /* pair -> sighting (distinct counts) */
    Block *first, *final; /* the queue: first->events[head] to final->events[tail] */
    Py_ssize_t head, tail, len;
} Window;

#define SPARE_ANSWERS 4

typedef struct {
    PyObject_HEAD
    Py_ssize_t n;
    Window *windows;
    PyObject *counts_type; /* linkgate.enforcement.spam.Counts */
    /* The answer's keys, in the plan's order: the counts filed in Counts.by (for a link
       of no platform, without the platform's counts) and in Counts.forwards. */
    PyObject *by_keys, *by_keys_no_platform, *forward_keys;
    uint64_t hash_mask;    /* all ones; fewer bits in tests, to make hashes collide */
    PyObject *spare[SPARE_ANSWERS]; /* answers kept for reuse (take_answer) */
    int next_spare;
} Windows;

static inline Table *
shard(Table *tables, uint64_t hash)
{
    return &tables[hash >> SHARD_SHIFT];
}

/* Append one event; takes a new reference to its cell. */
static int
queue_push(Window *w, double when, Cell *cell)
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
    cell->refs++;
    e->cell = cell;
    w->len++;
    return 0;
}

/* Drop the oldest event (released by the caller). */
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

/* The tally that now holds t's key in tables (t itself while it is live), or NULL. */
static Cell *
current_tally(Table *tables, Cell *t)
{
    return t->live ? t : table_get(shard(tables, t->hash), t->hash, NULL, t->part, 2);
}

/* The sighting that now holds s's pair in a window (s itself while it is live), or NULL:
   the pair's current sighting belongs to its key's current tally. */
static Cell *
current_sighting(Window *w, Cell *s)
{
    if (s->live) {
        return s;
    }
    Cell *t = current_tally(w->count, s->tally);
    return t == NULL ? NULL : table_get(shard(w->last, s->hash), s->hash, t, s->part, 1);
}

/* Forget the events at or before since. */
static void
window_trim(Window *w, double since)
{
    while (w->len > 0) {
        Event *e = &w->first->events[w->head];
        if (!(e->when <= since)) {
            break;
        }
        Cell *t = e->cell;
        if (w->kind < SHARES) {
            /* The pair's current sighting: forgotten with the event that made it
               (sighted again at another time since: that later event forgets it). */
            Cell *s = current_sighting(w, e->cell);
            t = NULL;
            if (s != NULL && s->when == e->when) {
                t = s->tally; /* live while a sighting of it is: its count includes it */
                table_remove(shard(w->last, s->hash), s);
            }
        }
        if (t != NULL && --t->n == 0) {
            table_remove(shard(w->count, t->hash), t);
        }
        cell_release(e->cell);
        queue_pop(w);
    }
}

/* One distinct count: returns the count for (sender, subject), or -1 with an exception set. */
static long long
window_distinct(Windows *self, Window *w, PyObject *sender, PyObject *subject, uint64_t hash,
                PyObject *recipients, double now)
{
    PyObject *key[2] = {sender, subject};
    Table *count = shard(w->count, hash);
    Py_ssize_t m = PyTuple_GET_SIZE(recipients);
    if (m == 0) {
        Cell *t = table_get(count, hash, NULL, key, 2);
        return t != NULL ? t->n : 0;
    }
    int made;
    Cell *t = table_get_or_make(count, hash, NULL, key, 2, &made);
    if (t == NULL) {
        return -1;
    }
    t->refs++; /* kept while recipients are added */
    long long result = -1;
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *member = PyTuple_GET_ITEM(recipients, i);
        uint64_t pair = mix(hash ^ str_hash(member)) & self->hash_mask;
        Cell *s = table_get_or_make(shard(w->last, pair), pair, t, &member, 1, &made);
        if (s == NULL) {
            goto done;
        }
        s->when = now;
        t->n += made;
        if (queue_push(w, now, s) < 0) {
            goto done;
        }
    }
    result = t->n;
    if (t->n == 0 && t->live) { /* nobody new, and nothing counted before */
        table_remove(count, t);
    }
done:
    cell_release(t);
    return result;
}

/*
 * A Tally is one half of an answer (Counts.by or Counts.forwards): a read-only
 * mapping from the plan's output keys to counts. It holds the window set's
 * tuple of keys and the counts as C integers, so an answer is two small
 * allocations, where dicts cost a keys table and an insertion per count (a
 * third of a share's work). Lookups scan the keys (a plan has a handful),
 * comparing identity, then hash and equality, as a dict does. The module that
 * uses it registers it as a collections.abc.Mapping.
 */
typedef struct {
    PyObject_VAR_HEAD
    PyObject *keys; /* a tuple; ob_size is its length */
    long long values[1];
} Tally;

static PyTypeObject TallyType;

static Tally *
tally_new(PyObject *keys)
{
    Py_ssize_t n = PyTuple_GET_SIZE(keys);
    Tally *t = PyObject_NewVar(Tally, &TallyType, n);
    if (t != NULL) {
        t->keys = Py_NewRef(keys);
        memset(t->values, 0, sizeof(long long) * (size_t)n);
    }
    return t;
}

static void
Tally_dealloc(Tally *self)
{
    Py_XDECREF(self->keys);
    PyObject_Free(self);
}

/* The index of key, -1 when absent, -2 with an exception set. */
static Py_ssize_t
tally_find(Tally *self, PyObject *key)
{
    Py_ssize_t n = Py_SIZE(self);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyTuple_GET_ITEM(self->keys, i) == key) {
            return i;
        }
    }
    Py_hash_t hash = PyObject_Hash(key);
    if (hash == -1) {
        return -2;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *mine = PyTuple_GET_ITEM(self->keys, i);
        Py_hash_t h = PyObject_Hash(mine);
        if (h == -1) {
            return -2;
        }
        if (h == hash) {
            int same = PyObject_RichCompareBool(mine, key, Py_EQ);
            if (same != 0) {
                return same > 0 ? i : -2;
            }
        }
    }
    return -1;
}

static Py_ssize_t
Tally_length(Tally *self)
{
    return Py_SIZE(self);
}

static PyObject *
Tally_subscript(Tally *self, PyObject *key)
{
    Py_ssize_t i = tally_find(self, key);
    if (i >= 0) {
        return PyLong_FromLongLong(self->values[i]);
    }
    if (i == -1) {
        PyErr_SetObject(PyExc_KeyError, key);
    }
    return NULL;
}

static int
Tally_contains(Tally *self, PyObject *key)
{
    Py_ssize_t i = tally_find(self, key);
    return i >= 0 ? 1 : (i == -1 ? 0 : -1);
}

static PyObject *
Tally_get(Tally *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError, "get expected 1 or 2 arguments, got %zd", nargs);
        return NULL;
    }
    Py_ssize_t i = tally_find(self, args[0]);
    if (i >= 0) {
        return PyLong_FromLongLong(self->values[i]);
    }
    if (i == -1) {
        return Py_NewRef(nargs == 2 ? args[1] : Py_None);
    }
    return NULL;
}

/* The same counts as a new dict. */
static PyObject *
Tally_dict(Tally *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *out = PyDict_New();
    for (Py_ssize_t i = 0; out != NULL && i < Py_SIZE(self); i++) {
        PyObject *value = PyLong_FromLongLong(self->values[i]);
        if (value == NULL || PyDict_SetItem(out, PyTuple_GET_ITEM(self->keys, i), value) < 0) {
            Py_CLEAR(out);
        }
        Py_XDECREF(value);
    }
    return out;
}

/* keys(), values() and items() as the dict's views. */
static PyObject *
tally_view(Tally *self, const char *name)
{
    PyObject *d = Tally_dict(self, NULL);
    if (d == NULL) {
        return NULL;
    }
    PyObject *view = PyObject_CallMethod(d, name, NULL);
    Py_DECREF(d);
    return view;
}

static PyObject *
Tally_keys(Tally *self, PyObject *Py_UNUSED(ignored))
{
    return tally_view(self, "keys");
}

static PyObject *
Tally_values(Tally *self, PyObject *Py_UNUSED(ignored))
{
    return tally_view(self, "values");
}

static PyObject *
Tally_items(Tally *self, PyObject *Py_UNUSED(ignored))
{
    return tally_view(self, "items");
}

static PyObject *
Tally_iter(Tally *self)
{
    return PyObject_GetIter(self->keys);
}

/* Equal to any mapping with the same keys and counts, as a dict of them would be. */
static PyObject *
Tally_richcompare(Tally *self, PyObject *other, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_HasAttrString(other, "keys")) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    PyObject *mine = Tally_dict(self, NULL);
    if (mine == NULL) {
        return NULL;
    }
    PyObject *theirs = Py_TYPE(other) == &TallyType ? Tally_dict((Tally *)other, NULL)
                       : PyDict_Check(other)        ? Py_NewRef(other)
                                                    : PyObject_CallOneArg((PyObject *)&PyDict_Type, other);
    PyObject *result = theirs == NULL ? NULL : PyObject_RichCompare(mine, theirs, op);
    Py_DECREF(mine);
    Py_XDECREF(theirs);
    return result;
}

static PyObject *
Tally_repr(Tally *self)
{
    PyObject *d = Tally_dict(self, NULL);
    if (d == NULL) {
        return NULL;
    }
    PyObject *out = PyUnicode_FromFormat("Tally(%R)", d);
    Py_DECREF(d);
    return out;
}

static PyMappingMethods Tally_as_mapping = {
    .mp_length = (lenfunc)Tally_length,
    .mp_subscript = (binaryfunc)Tally_subscript,
};

static PySequenceMethods Tally_as_sequence = {
    .sq_contains = (objobjproc)Tally_contains,
};

static PyMethodDef Tally_methods[] = {
    {"get", (PyCFunction)(void (*)(void))Tally_get, METH_FASTCALL,
     "The count filed under a key, or the default (None)."},
    {"keys", (PyCFunction)Tally_keys, METH_NOARGS, "The keys, as a dict's view."},
    {"values", (PyCFunction)Tally_values, METH_NOARGS, "The counts, as a dict's view."},
    {"items", (PyCFunction)Tally_items, METH_NOARGS, "(key, count) pairs, as a dict's view."},
    {"copy", (PyCFunction)Tally_dict, METH_NOARGS, "The same counts as a new dict."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject TallyType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate.enforcement._windows.Tally",
    .tp_doc = "Counts by key, read-only: one half of a compiled answer.",
    .tp_basicsize = offsetof(Tally, values),
    .tp_itemsize = sizeof(long long),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_dealloc = (destructor)Tally_dealloc,
    .tp_repr = (reprfunc)Tally_repr,
    .tp_as_mapping = &Tally_as_mapping,
    .tp_as_sequence = &Tally_as_sequence,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_richcompare = (richcmpfunc)Tally_richcompare,
    .tp_iter = (getiterfunc)Tally_iter,
    .tp_methods = Tally_methods,
};

/* Ask for the memory one share will read before reading it: the slots of every key and
   pair it looks up, then the cells in those slots and in the events it expires. The
   tables outgrow the caches, and a lookup mostly waits for memory; asked together, the
   reads overlap instead of waiting one after another. Hints only, in two steps (the
   caller does other work between them, while the slots arrive); the first also files
   each window's key hash for this share (Window.key), which observe then reads. */
#define PREFETCH_LOOKUPS 16

typedef struct {
    Table *tables[PREFETCH_LOOKUPS];
    uint64_t hashes[PREFETCH_LOOKUPS];
    int n;
} Lookups;

/* The hash of a window's key for this share, from the strings' hashes: the sender's or the
   link's (a tally), or the sender's and the subject's (a distinct count; a link of no
   platform passes 0 and is not counted there). */
static inline uint64_t
key_hash(const Windows *self, const Window *w, uint64_t sender, uint64_t link,
         uint64_t platform)
{
    switch (w->kind) {
    case SHARES:
        return mix(sender) & self->hash_mask;
    case FORWARDS:
        return mix(link) & self->hash_mask;
    default:
        return mix(mix(sender) ^ (w->kind == LINK ? link : platform)) & self->hash_mask;
    }
}

/* Step one: every window's key hash, and the slots and expiring events asked for. */
static inline void
prefetch_slots(Windows *self, PyObject *recipients, PyObject *link, PyObject *platform,
               const uint64_t *parts, Lookups *at)
{
    int n = 0;
    Py_ssize_t m = PyTuple_GET_SIZE(recipients);
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Window *w = &self->windows[i];
        uint64_t hash = w->key = key_hash(self, w, parts[0], parts[1], parts[2]);
        if (n == PREFETCH_LOOKUPS) {
            continue; /* every key hash is filed; only the first lookups are asked for */
        }
        if (w->len > 0) {
            __builtin_prefetch(&w->first->events[w->head]);
        }
        if (w->kind < SHARES && (w->kind == LINK ? link : platform) == Py_None) {
            continue;
        }
        at->tables[n] = shard(w->count, hash);
        at->hashes[n++] = hash;
        for (Py_ssize_t j = 0; w->kind < SHARES && j < m && n < PREFETCH_LOOKUPS; j++) {
            uint64_t pair = mix(hash ^ str_hash(PyTuple_GET_ITEM(recipients, j))) & self->hash_mask;
            at->tables[n] = shard(w->last, pair);
            at->hashes[n++] = pair;
        }
    }
    for (int k = 0; k < n; k++) {
        if (at->tables[k]->slots != NULL) {
            __builtin_prefetch(&at->tables[k]->slots[at->hashes[k] & at->tables[k]->mask]);
        }
    }
    at->n = n;
}

/* Step two: the cells of the expiring events and in the slots asked for. */
static inline void
prefetch_cells(Windows *self, double now, const Lookups *at)
{
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Window *w = &self->windows[i];
        if (w->len > 0) {
            Event *e = &w->first->events[w->head];
            if (e->when <= now - w->seconds) {
                __builtin_prefetch(e->cell);
            }
        }
    }
    for (int k = 0; k < at->n; k++) {
        const Table *t = at->tables[k];
        if (t->slots != NULL) {
            const Slot *s = &t->slots[at->hashes[k] & t->mask];
            if (s->cell != NULL && s->hash == at->hashes[k]) {
                __builtin_prefetch(s->cell);
            }
        }
    }
}

/* A Counts(by, forwards) with every count 0, for a share (by_keys: the windows' by_keys
   or by_keys_no_platform). Making an answer (a tuple and two tallies) and freeing it again
   cost about a fifth of a share's work, so a few are kept: one that nobody else holds any
   more, nor either of its halves, is cleared and given out again; otherwise a new one is
   made and kept in turn, in place of the oldest kept. A caller that keeps an answer, or
   either half, so keeps it from reuse: no answer anyone holds ever changes. New reference;
   NULL with an exception set. */
static PyObject *
take_answer(Windows *self, PyObject *by_keys)
{
    for (int i = 0; i < SPARE_ANSWERS; i++) {
        PyObject *kept = self->spare[i];
        if (kept == NULL || Py_REFCNT(kept) != 1) {
            continue;
        }
        Tally *by = (Tally *)PyTuple_GET_ITEM(kept, 0);
        Tally *forwards = (Tally *)PyTuple_GET_ITEM(kept, 1);
        if (Py_REFCNT(by) == 1 && Py_REFCNT(forwards) == 1 && by->keys == by_keys) {
            memset(by->values, 0, sizeof(long long) * (size_t)Py_SIZE(by));
            memset(forwards->values, 0, sizeof(long long) * (size_t)Py_SIZE(forwards));
            return Py_NewRef(kept);
        }
    }
    Tally *by = tally_new(by_keys);
    Tally *forwards = by == NULL ? NULL : tally_new(self->forward_keys);
    PyObject *made = NULL;
    if (forwards != NULL) {
        /* Counts(by, forwards), made as tuple.__new__ makes a tuple subclass's instance. */
        made = ((PyTypeObject *)self->counts_type)->tp_alloc((PyTypeObject *)self->counts_type, 2);
    }
    if (made == NULL) {
        Py_XDECREF(by);
        Py_XDECREF(forwards);
        return NULL;
    }
    PyTuple_SET_ITEM(made, 0, (PyObject *)by);
    PyTuple_SET_ITEM(made, 1, (PyObject *)forwards);
    Py_XSETREF(self->spare[self->next_spare], Py_NewRef(made));
    self->next_spare = (self->next_spare + 1) % SPARE_ANSWERS;
    return made;
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
    /* The strings' hashes, read once: every window's key hash is made from them. */
    const uint64_t parts[3] = {str_hash(sender), str_hash(link),
                               platform == Py_None ? 0 : str_hash(platform)};
    Lookups lookups;
    prefetch_slots(self, recipients, link, platform, parts, &lookups);
    int no_platform = platform == Py_None;
    PyObject *result = take_answer(self, no_platform ? self->by_keys_no_platform : self->by_keys);
    if (result == NULL) {
        return NULL;
    }
    prefetch_cells(self, now, &lookups);
    Tally *by = (Tally *)PyTuple_GET_ITEM(result, 0);
    Tally *forwards = (Tally *)PyTuple_GET_ITEM(result, 1);
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Window *w = &self->windows[i];
        if (w->len > 0 && w->first->events[w->head].when <= now - w->seconds) {
            window_trim(w, now - w->seconds);
        }
        uint64_t hash = w->key;
        long long n;
        if (w->kind >= SHARES) {
            PyObject *key = w->kind == SHARES ? sender : link;
            int made;
            Cell *t = table_get_or_make(shard(w->count, hash), hash, NULL, &key, 1, &made);
            if (t == NULL || queue_push(w, now, t) < 0) {
                goto fail;
            }
            n = ++t->n;
        }
        else {
            PyObject *subject = w->kind == LINK ? link : platform;
            if (subject == Py_None) {
                continue;
            }
            n = window_distinct(self, w, sender, subject, hash, recipients, now);
            if (n < 0) {
                goto fail;
            }
        }
        Tally *into = w->kind == FORWARDS ? forwards : by;
        into->values[no_platform ? w->slot_no_platform : w->slot] = n;
    }
    return result;
fail:
    Py_DECREF(result);
    return NULL;
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
                cell_release(b->events[j].cell);
            }
            Block *next = b->next;
            PyMem_Free(b);
            b = next;
        }
        for (int k = 0; k < SHARDS; k++) {
            table_clear(&w->count[k]);
            table_clear(&w->last[k]);
        }
    }
    PyMem_Free(self->windows);
    self->windows = NULL;
    self->n = 0;
}

static void
Windows_dealloc(Windows *self)
{
    Windows_free_windows(self);
    for (int i = 0; i < SPARE_ANSWERS; i++) {
        Py_XDECREF(self->spare[i]);
    }
    Py_XDECREF(self->counts_type);
    Py_XDECREF(self->by_keys);
    Py_XDECREF(self->by_keys_no_platform);
    Py_XDECREF(self->forward_keys);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The place of key among keys (a list), added at the end if it is not there (as a dict
   keeps one entry per key, the first key object and the last count filed); -1 with an
   exception set. */
static Py_ssize_t
file_key(PyObject *keys, PyObject *key)
{
    Py_ssize_t n = PyList_GET_SIZE(keys);
    for (Py_ssize_t i = 0; i < n; i++) {
        int same = PyObject_RichCompareBool(PyList_GET_ITEM(keys, i), key, Py_EQ);
        if (same != 0) {
            return same > 0 ? i : -1;
        }
    }
    if (PyObject_Hash(key) == -1 || PyList_Append(keys, key) < 0) {
        return -1;
    }
    return n;
}

static PyObject *
Windows_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"steps", "counts", "hash_bits", NULL};
    PyObject *steps, *counts_type;
    int hash_bits = 64;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!|$i:Windows", names, &PyTuple_Type,
                                     &steps, &PyType_Type, &counts_type, &hash_bits)) {
        return NULL;
    }
    if (!PyType_IsSubtype((PyTypeObject *)counts_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "counts must be a tuple type with two fields");
        return NULL;
    }
    if (hash_bits < 1 || hash_bits > 64) {
        PyErr_SetString(PyExc_ValueError, "hash_bits is between 1 and 64");
        return NULL;
    }
    Windows *self = (Windows *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->hash_mask = hash_bits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << hash_bits) - 1);
    Py_INCREF(counts_type);
    self->counts_type = counts_type;
    PyObject *by_keys = PyList_New(0);
    PyObject *by_keys_no_platform = PyList_New(0);
    PyObject *forward_keys = PyList_New(0);
    if (by_keys == NULL || by_keys_no_platform == NULL || forward_keys == NULL) {
        goto fail;
    }
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
        if (w->kind == FORWARDS) {
            w->slot = w->slot_no_platform = file_key(forward_keys, out);
        }
        else {
            w->slot = file_key(by_keys, out);
            w->slot_no_platform = w->kind == PLATFORM ? -1 : file_key(by_keys_no_platform, out);
        }
        if (w->slot < 0 || (w->kind != PLATFORM && w->slot_no_platform < 0)) {
            goto fail;
        }
    }
    self->by_keys = PyList_AsTuple(by_keys);
    self->by_keys_no_platform = PyList_AsTuple(by_keys_no_platform);
    self->forward_keys = PyList_AsTuple(forward_keys);
    if (self->by_keys == NULL || self->by_keys_no_platform == NULL || self->forward_keys == NULL) {
        goto fail;
    }
    Py_DECREF(by_keys);
    Py_DECREF(by_keys_no_platform);
    Py_DECREF(forward_keys);
    return (PyObject *)self;
fail:
    Py_XDECREF(by_keys);
    Py_XDECREF(by_keys_no_platform);
    Py_XDECREF(forward_keys);
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

/* Drop the count oldest events of all windows (oldest first across the windows, by time;
   on a tie, the earlier window's; each window's in its queue order): LocalCounter's way to
   stay within its memory bound without forgetting every count, so that the windows reaching
   back furthest reach back less far. Each window that gave events up then forgets every
   event, in queue order, up to the first later than the latest it gave. Returns a tuple of
   (window index, that time) per such window. */
static PyObject *
Windows_shed(Windows *self, PyObject *arg)
{
    Py_ssize_t count = PyLong_AsSsize_t(arg);
    if (count == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (count < 1) {
        PyErr_SetString(PyExc_ValueError, "shed() drops at least one event");
        return NULL;
    }
    typedef struct {
        Block *block;
        Py_ssize_t at, left, taken;
        double since;
    } Cursor;
    Cursor *cur = PyMem_New(Cursor, self->n > 0 ? self->n : 1);
    if (cur == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < self->n; i++) {
        Window *w = &self->windows[i];
        cur[i] = (Cursor){w->first, w->head, w->len, 0, 0.0};
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_ssize_t oldest = -1;
        double when = 0.0;
        for (Py_ssize_t i = 0; i < self->n; i++) {
            if (cur[i].left > 0) {
                double t = cur[i].block->events[cur[i].at].when;
                if (oldest < 0 || t < when) {
                    oldest = i;
                    when = t;
                }
            }
        }
        if (oldest < 0) {
            break; /* every event taken */
        }
        Cursor *c = &cur[oldest];
        if (c->taken == 0 || when > c->since) {
            c->since = when;
        }
        c->taken++;
        c->left--;
        if (++c->at == BLOCK && c->left > 0) {
            c->block = c->block->next;
            c->at = 0;
        }
    }
    Py_ssize_t shed = 0;
    for (Py_ssize_t i = 0; i < self->n; i++) {
        shed += cur[i].taken > 0;
    }
    /* The answer is made before anything is dropped: without memory for it, nothing is. */
    PyObject *out = PyTuple_New(shed);
    for (Py_ssize_t i = 0, j = 0; out != NULL && i < self->n; i++) {
        if (cur[i].taken > 0) {
            PyObject *item = Py_BuildValue("(nd)", i, cur[i].since);
            if (item == NULL) {
                Py_CLEAR(out);
                break;
            }
            PyTuple_SET_ITEM(out, j++, item);
        }
    }
    for (Py_ssize_t i = 0; out != NULL && i < self->n; i++) {
        if (cur[i].taken > 0) {
            window_trim(&self->windows[i], cur[i].since);
        }
    }
    PyMem_Free(cur);
    return out;
}

/* A cell's key joined by "\0", as the Python windows key their dicts: a tally's strings,
   a sighting's tally's and then its own. */
static PyObject *
joined(const Cell *c)
{
    const Cell *first = c->tally != NULL ? c->tally : c;
    PyObject *parts[3] = {first->part[0], first->part[1], NULL};
    if (c->tally != NULL) {
        parts[parts[1] == NULL ? 1 : 2] = c->part[0];
    }
    PyObject *out = Py_NewRef(parts[0]);
    for (int i = 1; out != NULL && i < 3 && parts[i] != NULL; i++) {
        PyObject *sep = PyUnicode_FromOrdinal(0);
        PyObject *left = sep == NULL ? NULL : PyUnicode_Concat(out, sep);
        Py_XDECREF(sep);
        Py_DECREF(out);
        out = left == NULL ? NULL : PyUnicode_Concat(left, parts[i]);
        Py_XDECREF(left);
    }
    return out;
}

/* Every live cell of tables into a new dict: joined parts -> count (tallies) or time. */
static PyObject *
cells_dict(const Table *tables, int tallies)
{
    PyObject *out = PyDict_New();
    for (int k = 0; out != NULL && k < SHARDS; k++) {
        const Table *t = &tables[k];
        for (size_t i = 0; t->slots != NULL && i <= t->mask; i++) {
            const Cell *c = t->slots[i].cell;
            if (c == NULL) {
                continue;
            }
            PyObject *key = joined(c);
            PyObject *value = tallies ? PyLong_FromLongLong(c->n) : PyFloat_FromDouble(c->when);
            int ok = key != NULL && value != NULL && PyDict_SetItem(out, key, value) == 0;
            Py_XDECREF(key);
            Py_XDECREF(value);
            if (!ok) {
                Py_CLEAR(out);
                break;
            }
        }
    }
    return out;
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
        PyObject *count = cells_dict(w->count, 1);
        PyObject *last = count == NULL ? NULL : cells_dict(w->last, 0);
        PyObject *item = last == NULL ? NULL : Py_BuildValue("(OOn)", count, last, w->len);
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
    {"shed", (PyCFunction)Windows_shed, METH_O,
     "Drop the n oldest events of all windows: ((index, time), ...) per window shed."},
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

/*
 * A Gate is LocalCounter's observe while its compiled windows serve one plan:
 * gate(share, plan) counts the share in the windows directly when plan is the
 * gate's and its countdown has not run out, and otherwise hands the call to
 * slow(share, plan) (LocalCounter's locked path, which starts new windows for
 * a new plan, checks the memory bound and installs the next gate). It holds
 * a reference to slow, a bound method of the counter that holds the gate: a
 * cycle, so the gate takes part in the garbage collector's passes (it is one
 * small object per counter).
 */
typedef struct {
    PyObject_HEAD
    Windows *windows;
    PyObject *plan;
    PyObject *slow;
    Py_ssize_t left; /* calls until the next one goes to slow */
    vectorcallfunc vectorcall;
} Gate;

static PyObject *
Gate_vectorcall(Gate *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (PyVectorcall_NARGS(nargsf) == 2 && kwnames == NULL && args[1] == self->plan
        && --self->left > 0) {
        return Windows_observe(self->windows, args[0]);
    }
    return PyObject_Vectorcall(self->slow, args, nargsf, kwnames);
}

static PyObject *
Gate_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"windows", "plan", "left", "slow", NULL};
    PyObject *windows, *plan, *slow;
    Py_ssize_t left;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!OnO:Gate", names, &WindowsType, &windows,
                                     &plan, &left, &slow)) {
        return NULL;
    }
    if (!PyCallable_Check(slow)) {
        PyErr_SetString(PyExc_TypeError, "slow must be callable");
        return NULL;
    }
    Gate *self = (Gate *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->windows = (Windows *)Py_NewRef(windows);
    self->plan = Py_NewRef(plan);
    self->slow = Py_NewRef(slow);
    self->left = left;
    self->vectorcall = (vectorcallfunc)Gate_vectorcall;
    return (PyObject *)self;
}

static int
Gate_traverse(Gate *self, visitproc visit, void *arg)
{
    Py_VISIT(self->windows);
    Py_VISIT(self->plan);
    Py_VISIT(self->slow);
    return 0;
}

static int
Gate_clear(Gate *self)
{
    Py_CLEAR(self->windows);
    Py_CLEAR(self->plan);
    Py_CLEAR(self->slow);
    return 0;
}

static void
Gate_dealloc(Gate *self)
{
    PyObject_GC_UnTrack(self);
    Gate_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Gate_left(Gate *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->left);
}

static PyGetSetDef Gate_getset[] = {
    {"left", (getter)Gate_left, NULL, "Calls until the next one goes to slow.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject GateType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate.enforcement._windows.Gate",
    .tp_doc = "Gate(windows, plan, left, slow): observe(share, plan) straight into windows.",
    .tp_basicsize = sizeof(Gate),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = Gate_new,
    .tp_dealloc = (destructor)Gate_dealloc,
    .tp_traverse = (traverseproc)Gate_traverse,
    .tp_clear = (inquiry)Gate_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Gate, vectorcall),
    .tp_getset = Gate_getset,
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
    PyTypeObject *types[] = {&WindowsType, &GateType, &TallyType};
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const char *name = strrchr(types[i]->tp_name, '.') + 1;
        if (PyType_Ready(types[i]) < 0 || PyModule_AddObjectRef(m, name, (PyObject *)types[i]) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
