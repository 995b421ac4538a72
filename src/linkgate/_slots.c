/*
 * Records on the hot path built in one compiled call (see linkgate.records).
 *
 * Builder(cls, names, defaults) returns a callable that takes the values of
 * names positionally and returns a new instance of cls with each of those
 * slots set, and each (name, value) of defaults set too: what the class's own
 * __init__ leaves for a slotted dataclass of those fields without a
 * __post_init__, without a Python frame, argument binding or a call per field.
 * Each slot is written where the class's member descriptor for that name says
 * it lives; a name that is not a plain object slot of cls is refused when the
 * builder is made.
 *
 * For a subclass of tuple (a named tuple), names are its fields, in order: the
 * builder makes the instance with the subclass's own allocation and puts the
 * values in as its items, as tuple.__new__ leaves them (without the plain
 * tuple that makes first, and without an argument tuple).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    PyTypeObject *type;
    Py_ssize_t n;           /* positional values */
    Py_ssize_t fixed;       /* slots set from defaults */
    Py_ssize_t *offsets;    /* n + fixed offsets: the values' slots, then the defaults' */
    PyObject **defaults;    /* fixed values, owned */
    PyObject *name;         /* for messages: the class's qualified name */
    int items;              /* a tuple subclass: the values are its items */
    vectorcallfunc vectorcall;
} Builder;

static PyObject *
Builder_vectorcall(Builder *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (n != self->n || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) > 0)) {
        PyErr_Format(PyExc_TypeError, "building %U takes %zd positional arguments (%zd given)",
                     self->name, self->n, n);
        return NULL;
    }
    PyObject *out = self->type->tp_alloc(self->type, self->items ? n : 0);
    if (out == NULL) {
        return NULL;
    }
    if (self->items) {
        for (Py_ssize_t i = 0; i < n; i++) {
            PyTuple_SET_ITEM(out, i, Py_NewRef(args[i]));
        }
        return out;
    }
    char *base = (char *)out;
    for (Py_ssize_t i = 0; i < n; i++) {
        *(PyObject **)(base + self->offsets[i]) = Py_NewRef(args[i]);
    }
    for (Py_ssize_t i = 0; i < self->fixed; i++) {
        *(PyObject **)(base + self->offsets[n + i]) = Py_NewRef(self->defaults[i]);
    }
    return out;
}

/* The offset of cls's object slot called name, or -1 with an exception set. */
static Py_ssize_t
slot_offset(PyTypeObject *cls, PyObject *name)
{
    PyObject *descr = PyDict_GetItemWithError(cls->tp_dict, name);
    if (descr == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_Format(PyExc_TypeError, "%s has no slot %R", cls->tp_name, name);
        }
        return -1;
    }
    if (!Py_IS_TYPE(descr, &PyMemberDescr_Type) || PyDescr_TYPE(descr) != cls) {
        PyErr_Format(PyExc_TypeError, "%s.%U is not a slot", cls->tp_name, name);
        return -1;
    }
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    if (member->type != T_OBJECT_EX || (member->flags & READONLY) || member->offset <= 0
        || (size_t)member->offset + sizeof(PyObject *) > (size_t)cls->tp_basicsize) {
        PyErr_Format(PyExc_TypeError, "%s.%U is not a plain object slot", cls->tp_name, name);
        return -1;
    }
    return member->offset;
}

static PyObject *
Builder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"cls", "names", "defaults", NULL};
    PyObject *cls, *names, *defaults;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!O!:Builder", keywords, &PyType_Type, &cls,
                                     &PyTuple_Type, &names, &PyTuple_Type, &defaults)) {
        return NULL;
    }
    PyTypeObject *of = (PyTypeObject *)cls;
    int items = PyType_IsSubtype(of, &PyTuple_Type);
    if (items ? of == &PyTuple_Type || PyTuple_GET_SIZE(defaults) > 0
              : of->tp_itemsize != 0 || of->tp_alloc == NULL) {
        PyErr_Format(PyExc_TypeError,
                     "%s is neither a class of fixed-size instances nor a subclass of tuple "
                     "(built without defaults)",
                     of->tp_name);
        return NULL;
    }
    Builder *self = (Builder *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->type = (PyTypeObject *)Py_NewRef(cls);
    self->items = items;
    self->n = PyTuple_GET_SIZE(names);
    Py_ssize_t fixed = PyTuple_GET_SIZE(defaults);
    self->name = PyObject_GetAttrString(cls, "__qualname__");
    self->offsets = PyMem_New(Py_ssize_t, self->n + fixed);
    self->defaults = PyMem_New(PyObject *, fixed > 0 ? fixed : 1);
    if (self->name == NULL || self->offsets == NULL || self->defaults == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto fail;
    }
    for (Py_ssize_t i = 0; i < self->n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        if (!PyUnicode_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "names are strings");
            goto fail;
        }
        /* A tuple's values are its items, in order: no slots to find. */
        if (!items && (self->offsets[i] = slot_offset(of, name)) < 0) {
            goto fail;
        }
    }
    for (Py_ssize_t i = 0; i < fixed; i++) {
        PyObject *pair = PyTuple_GET_ITEM(defaults, i);
        PyObject *name, *value;
        if (!PyArg_ParseTuple(pair, "UO:default", &name, &value)) {
            goto fail;
        }
        if ((self->offsets[self->n + i] = slot_offset(of, name)) < 0) {
            goto fail;
        }
        self->defaults[i] = Py_NewRef(value);
        self->fixed = i + 1;
    }
    /* Every slot set once: a slot named twice would leak its first value. */
    for (Py_ssize_t i = 0; !items && i < self->n + fixed; i++) {
        for (Py_ssize_t j = 0; j < i; j++) {
            if (self->offsets[i] == self->offsets[j]) {
                PyErr_SetString(PyExc_ValueError, "a slot is named twice");
                goto fail;
            }
        }
    }
    self->vectorcall = (vectorcallfunc)Builder_vectorcall;
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static void
Builder_dealloc(Builder *self)
{
    for (Py_ssize_t i = 0; i < self->fixed; i++) {
        Py_DECREF(self->defaults[i]);
    }
    PyMem_Free(self->defaults);
    PyMem_Free(self->offsets);
    Py_XDECREF(self->name);
    Py_XDECREF(self->type);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject BuilderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate._slots.Builder",
    .tp_doc = "Builder(cls, names, defaults)(*values): a new cls with those slots (or, for a "
              "tuple subclass, items) set.",
    .tp_basicsize = sizeof(Builder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = Builder_new,
    .tp_dealloc = (destructor)Builder_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Builder, vectorcall),
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "linkgate._slots",
    .m_doc = "Records built in one compiled call (see linkgate.records).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__slots(void)
{
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyType_Ready(&BuilderType) < 0
        || PyModule_AddObjectRef(m, "Builder", (PyObject *)&BuilderType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
