/*
 * The registrable domain of a host under the public suffix list, matched in C.
 *
 * The list is read and held by the publicsuffixlist package (linkgate.domains.psl); this
 * module only walks a host's suffixes against that package's rule set, as its
 * privatesuffix() does: from the longest suffix the list could hold to the shortest, the
 * first suffix that is an exception rule ("!s"), the root or a child of a wildcard rule
 * ("*.s"), or a plain rule ("s") gives the public suffix's length in labels; a host under
 * no rule has a one-label public suffix (an unknown top-level domain is public). The
 * registrable domain is the public suffix and one label more, or None when the host has no
 * label more, or an empty label.
 *
 * Matcher(rules, wildcards, exceptions, max_labels, fallback) is called with one host.
 * rules is the package's whole rule set, wildcards the names under "*." rules and
 * exceptions those of "!" rules (frozensets of str); max_labels the most labels of any
 * rule. A host that is not ASCII lower case, or has more labels than a host of 253
 * characters can, goes to fallback (the package's own privatesuffix); the tests hold the two equal on
 * every rule of the list and its test cases.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <string.h>

#define MAX_DOTS 127 /* a host of 253 characters has at most 126 dots */

typedef struct {
    PyObject_HEAD
    PyObject *rules;
    PyObject *wildcards;
    PyObject *exceptions;
    PyObject *fallback;
    Py_ssize_t max_labels;
    vectorcallfunc vectorcall;
} Matcher;

/* 1, 0, or -1 with an exception set. */
static int
contains(PyObject *set, const char *text, Py_ssize_t n)
{
    PyObject *s = PyUnicode_New(n, 127);
    if (s == NULL) {
        return -1;
    }
    memcpy(PyUnicode_1BYTE_DATA(s), text, (size_t)n);
    int found = PySet_Contains(set, s);
    Py_DECREF(s);
    return found;
}

static PyObject *
match(Matcher *self, PyObject *host)
{
    const char *h = (const char *)PyUnicode_1BYTE_DATA(host);
    Py_ssize_t n = PyUnicode_GET_LENGTH(host);
    if (n > 0 && h[n - 1] == '.') { /* one trailing dot is no label */
        n--;
    }
    /* starts[k]: where label k begins; the last label is the top-level domain. */
    Py_ssize_t starts[MAX_DOTS + 1];
    Py_ssize_t labels = 0;
    Py_ssize_t begin = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.') {
            if (i == begin) {
                Py_RETURN_NONE; /* an empty label */
            }
            if (labels > MAX_DOTS) { /* more labels than a host of 253 characters has */
                return PyObject_CallOneArg(self->fallback, host);
            }
            starts[labels++] = begin;
            begin = i + 1;
        }
    }
    Py_ssize_t from = labels - (self->max_labels + 1);
    if (from < 0) {
        from = 0;
    }
    Py_ssize_t public = 1; /* under no rule: the top-level label alone */
    for (Py_ssize_t i = from; i < labels; i++) {
        const char *s = h + starts[i];
        Py_ssize_t len = n - starts[i];
        Py_ssize_t depth = labels - i;
        int found = contains(self->exceptions, s, len);
        if (found) {
            if (found < 0) {
                return NULL;
            }
            public = depth - 1;
            break;
        }
        found = contains(self->wildcards, s, len);
        if (found) {
            if (found < 0) {
                return NULL;
            }
            public = i > 0 ? depth + 1 : depth;
            break;
        }
        found = contains(self->rules, s, len);
        if (found) {
            if (found < 0) {
                return NULL;
            }
            public = depth;
            break;
        }
    }
    if (public <= 0 || labels < public + 1) {
        Py_RETURN_NONE;
    }
    Py_ssize_t at = starts[labels - public - 1];
    if (at == 0 && n == PyUnicode_GET_LENGTH(host)) {
        return Py_NewRef(host);
    }
    PyObject *out = PyUnicode_New(n - at, 127);
    if (out != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(out), h + at, (size_t)(n - at));
    }
    return out;
}

static int
ascii_lower(PyObject *host)
{
    if (!PyUnicode_IS_ASCII(host)) {
        return 0;
    }
    const char *h = (const char *)PyUnicode_1BYTE_DATA(host);
    Py_ssize_t n = PyUnicode_GET_LENGTH(host);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (h[i] >= 'A' && h[i] <= 'Z') {
            return 0;
        }
    }
    return 1;
}

static PyObject *
Matcher_vectorcall(Matcher *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "a Matcher takes one host");
        return NULL;
    }
    PyObject *host = args[0];
    if (!PyUnicode_Check(host)) {
        PyErr_SetString(PyExc_TypeError, "a Matcher takes one host (str)");
        return NULL;
    }
    if (!ascii_lower(host)) {
        return PyObject_Vectorcall(self->fallback, args, 1, NULL);
    }
    return match(self, host);
}

static PyObject *
Matcher_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"rules", "wildcards", "exceptions", "max_labels", "fallback", NULL};
    PyObject *rules, *wildcards, *exceptions, *fallback;
    Py_ssize_t max_labels;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!O!nO:Matcher", names, &PyFrozenSet_Type,
                                     &rules, &PyFrozenSet_Type, &wildcards, &PyFrozenSet_Type,
                                     &exceptions, &max_labels, &fallback)) {
        return NULL;
    }
    if (max_labels < 0 || !PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_ValueError,
                        "max_labels must not be negative and fallback must be callable");
        return NULL;
    }
    Matcher *self = (Matcher *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->rules = Py_NewRef(rules);
    self->wildcards = Py_NewRef(wildcards);
    self->exceptions = Py_NewRef(exceptions);
    self->fallback = Py_NewRef(fallback);
    self->max_labels = max_labels;
    self->vectorcall = (vectorcallfunc)Matcher_vectorcall;
    return (PyObject *)self;
}

static int
Matcher_traverse(Matcher *self, visitproc visit, void *arg)
{
    Py_VISIT(self->rules);
    Py_VISIT(self->wildcards);
    Py_VISIT(self->exceptions);
    Py_VISIT(self->fallback);
    return 0;
}

static int
Matcher_clear(Matcher *self)
{
    Py_CLEAR(self->rules);
    Py_CLEAR(self->wildcards);
    Py_CLEAR(self->exceptions);
    Py_CLEAR(self->fallback);
    return 0;
}

static void
Matcher_dealloc(Matcher *self)
{
    PyObject_GC_UnTrack(self);
    Matcher_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject MatcherType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate.domains._suffix.Matcher",
    .tp_doc = "Matcher(rules, wildcards, exceptions, max_labels, fallback)(host): the "
              "registrable domain of host, or None.",
    .tp_basicsize = sizeof(Matcher),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = Matcher_new,
    .tp_dealloc = (destructor)Matcher_dealloc,
    .tp_traverse = (traverseproc)Matcher_traverse,
    .tp_clear = (inquiry)Matcher_clear,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Matcher, vectorcall),
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "linkgate.domains._suffix",
    .m_doc = "The public suffix list's registrable domain, matched in C (see linkgate.domains.psl).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__suffix(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyType_Ready(&MatcherType) < 0
        || PyModule_AddObjectRef(m, "Matcher", (PyObject *)&MatcherType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
