/*
 * The WHATWG parse of linkgate.urls.parse, its glue compiled.
 *
 * The parse itself runs in the ada library, which the ada_url package already
 * holds, built into its cffi module; linkgate.urls.parse hands this module
 * the addresses of four of its C functions (bind), taken from that module, so
 * nothing here links against ada. split() then does what parse._parse does in
 * Python around the same four calls: encode the text, parse it, read the
 * serialised href and the component offsets, free the parse, and cut the
 * components out of the href. In Python that glue cost about twice the parse
 * (some thirty interpreter steps a link); here it is a few string copies.
 *
 * split(text) returns (href, scheme, username, password, hostname, port,
 * pathname, search, hash, host_type), None when ada rejects the text, or
 * raises UnicodeEncodeError for text that is not encodable as UTF-8 (lone
 * surrogates). The components are exactly those parse._parse cuts, and the
 * tests compare the two on every input they have.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* ada's C interface (ada_c.h), as far as used here. */
typedef void *ada_url;
typedef struct {
    const char *data;
    size_t length;
} ada_string;
typedef struct {
    uint32_t protocol_end;
    uint32_t username_end;
    uint32_t host_start;
    uint32_t host_end;
    uint32_t port;
    uint32_t pathname_start;
    uint32_t search_start;
    uint32_t hash_start;
} ada_url_components;

#define OMITTED 0xFFFFFFFFu

static ada_url (*ada_parse)(const char *, size_t);
static ada_string (*ada_get_href)(ada_url);
static const ada_url_components *(*ada_get_components)(ada_url);
static void (*ada_free)(ada_url);

static PyObject *host_none, *host_ipv6, *host_opaque, *host_ipv4, *host_domain, *empty;

static PyObject *
bind(PyObject *Py_UNUSED(module), PyObject *args)
{
    unsigned long long parse, href, components, free_;
    if (!PyArg_ParseTuple(args, "KKKK:bind", &parse, &href, &components, &free_)) {
        return NULL;
    }
    if (!parse || !href || !components || !free_) {
        PyErr_SetString(PyExc_ValueError, "bind() takes four function addresses");
        return NULL;
    }
    ada_parse = (ada_url(*)(const char *, size_t))(uintptr_t)parse;
    ada_get_href = (ada_string(*)(ada_url))(uintptr_t)href;
    ada_get_components = (const ada_url_components *(*)(ada_url))(uintptr_t)components;
    ada_free = (void (*)(ada_url))(uintptr_t)free_;
    Py_RETURN_NONE;
}

/* href[a:b] with Python's slice semantics for offsets that are not negative. */
static PyObject *
cut(const char *href, size_t len, int ascii, size_t a, size_t b)
{
    if (b > len) {
        b = len;
    }
    if (a >= b) {
        return Py_NewRef(empty);
    }
    if (!ascii) {
        /* Offsets sit on ASCII delimiters, so each piece decodes as it would in the whole. */
        return PyUnicode_DecodeUTF8(href + a, (Py_ssize_t)(b - a), "replace");
    }
    PyObject *s = PyUnicode_New((Py_ssize_t)(b - a), 127);
    if (s != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(s), href + a, b - a);
    }
    return s;
}

static int
is_ascii(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)data[i] & 0x80) {
            return 0;
        }
    }
    return 1;
}

/* A special scheme of the WHATWG standard. */
static int
is_special(const char *s, size_t n)
{
    switch (n) {
    case 2:
        return memcmp(s, "ws", 2) == 0;
    case 3:
        return memcmp(s, "wss", 3) == 0 || memcmp(s, "ftp", 3) == 0;
    case 4:
        return memcmp(s, "http", 4) == 0 || memcmp(s, "file", 4) == 0;
    case 5:
        return memcmp(s, "https", 5) == 0;
    default:
        return 0;
    }
}

/* What parse._parse calls the host: none, ipv6, opaque, ipv4 or domain. */
static PyObject *
host_type(const char *href, size_t len, const ada_url_components *c, size_t host_a,
          size_t host_b)
{
    size_t p = c->protocol_end;
    if (host_b <= host_a || p + 2 > len || href[p] != '/' || href[p + 1] != '/') {
        return host_none;
    }
    if (href[host_a] == '[') {
        return host_ipv6;
    }
    if (p == 0 || !is_special(href, p - 1)) {
        return host_opaque;
    }
    /* A special URL's host that ends in a number is an IPv4 address (dotted decimal). */
    if (href[host_b - 1] >= '0' && href[host_b - 1] <= '9') {
        int digits = 1;
        for (size_t i = host_a; i < host_b; i++) {
            char ch = href[i];
            if (ch != '.' && (ch < '0' || ch > '9')) {
                digits = 0;
                break;
            }
        }
        if (digits) {
            return host_ipv4;
        }
    }
    return host_domain;
}

static PyObject *
split(PyObject *Py_UNUSED(module), PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "split() takes a str");
        return NULL;
    }
    if (ada_parse == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "split() before bind()");
        return NULL;
    }
    /* ASCII text is its own UTF-8; other text is encoded into a temporary bytes object (not
       PyUnicode_AsUTF8AndSize, which would keep a copy inside the str as long as it lives). */
    PyObject *encoded = NULL;
    const char *data;
    Py_ssize_t size;
    if (PyUnicode_IS_ASCII(text)) {
        data = (const char *)PyUnicode_1BYTE_DATA(text);
        size = PyUnicode_GET_LENGTH(text);
    }
    else {
        encoded = PyUnicode_AsUTF8String(text);
        if (encoded == NULL) {
            return NULL; /* UnicodeEncodeError: lone surrogates */
        }
        data = PyBytes_AS_STRING(encoded);
        size = PyBytes_GET_SIZE(encoded);
    }
    ada_url url = ada_parse(data, (size_t)size);
    Py_XDECREF(encoded); /* ada copied what it keeps */
    ada_string h = ada_get_href(url);
    if (h.length == 0) { /* ada serialises a failed parse as an empty href */
        ada_free(url);
        Py_RETURN_NONE;
    }
    ada_url_components c = *ada_get_components(url);
    const char *href = h.data;
    size_t len = h.length;
    int ascii = is_ascii(href, len);
    PyObject *out = PyTuple_New(10);
    if (out == NULL) {
        ada_free(url);
        return NULL;
    }
    size_t query_end = c.hash_start != OMITTED ? c.hash_start : len;
    size_t path_end = c.search_start != OMITTED ? c.search_start : query_end;
    size_t host_a = c.host_start, host_b = c.host_end;
    if (host_b > host_a && href[host_a] == '@') {
        host_a++;
    }
    PyObject *parts[10];
    parts[0] = ascii ? cut(href, len, 1, 0, len) : PyUnicode_DecodeUTF8(href, (Py_ssize_t)len, "replace");
    parts[1] = cut(href, len, ascii, 0, c.protocol_end - 1);
    parts[2] = (size_t)c.protocol_end + 2 < c.username_end
                   ? cut(href, len, ascii, (size_t)c.protocol_end + 2, c.username_end)
                   : Py_NewRef(empty);
    parts[3] = c.host_start > c.username_end
                   ? cut(href, len, ascii, (size_t)c.username_end + 1, c.host_start)
                   : Py_NewRef(empty);
    parts[4] = cut(href, len, ascii, host_a, host_b);
    parts[5] = c.port != OMITTED ? cut(href, len, ascii, (size_t)c.host_end + 1, c.pathname_start)
                                 : Py_NewRef(empty);
    parts[6] = cut(href, len, ascii, c.pathname_start, path_end);
    parts[7] = c.search_start != OMITTED && query_end > (size_t)c.search_start + 1
                   ? cut(href, len, ascii, c.search_start, query_end)
                   : Py_NewRef(empty);
    parts[8] = c.hash_start != OMITTED && len > (size_t)c.hash_start + 1
                   ? cut(href, len, ascii, c.hash_start, len)
                   : Py_NewRef(empty);
    parts[9] = Py_NewRef(host_type(href, len, &c, host_a, host_b));
    ada_free(url);
    for (int i = 0; i < 10; i++) {
        if (parts[i] == NULL) {
            for (int j = 0; j < 10; j++) {
                Py_XDECREF(parts[j]);
            }
            Py_DECREF(out);
            return NULL;
        }
    }
    for (int i = 0; i < 10; i++) {
        PyTuple_SET_ITEM(out, i, parts[i]);
    }
    return out;
}

static PyMethodDef methods[] = {
    {"bind", bind, METH_VARARGS,
     "bind(ada_parse, ada_get_href, ada_get_components, ada_free): the functions' addresses."},
    {"split", split, METH_O,
     "split(text) -> (href, scheme, username, password, hostname, port, pathname, search, "
     "hash, host_type), or None when the WHATWG parser rejects text."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "linkgate.urls._split",
    .m_doc = "Compiled glue around ada's WHATWG parse (see linkgate.urls.parse).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__split(void)
{
    host_none = PyUnicode_InternFromString("none");
    host_ipv6 = PyUnicode_InternFromString("ipv6");
    host_opaque = PyUnicode_InternFromString("opaque");
    host_ipv4 = PyUnicode_InternFromString("ipv4");
    host_domain = PyUnicode_InternFromString("domain");
    empty = PyUnicode_New(0, 0);
    if (host_none == NULL || host_ipv6 == NULL || host_opaque == NULL || host_ipv4 == NULL
        || host_domain == NULL || empty == NULL) {
        return NULL;
    }
    return PyModule_Create(&module);
}
