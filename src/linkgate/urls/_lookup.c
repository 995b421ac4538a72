/*
 * Safe Browsing lookup expressions and their full hashes, compiled.
 *
 * expressions(canonical) makes the lookup expressions of a canonical URL as
 * linkgate.urls.canonical.expressions does (the reference, compared with this
 * on every test input), for the ASCII text canonical URLs are; it returns None
 * for any other text, which the Python makes.
 *
 * digests(canonical) returns the SHA-256 of each of those expressions, in the
 * same order, digested straight from the spans of the canonical text that
 * make each expression, so no expression is made as a string.
 *
 * sha256_each(expressions) returns the SHA-256 digest of each expression's
 * UTF-8 bytes (lone surrogates encoded as "surrogatepass" encodes them), as
 * linkgate.urls.canonical.full_hashes does with hashlib, from the same
 * OpenSSL. hashlib makes a hash object per digest (a context allocated and
 * set up each time, then a Python object around it): about 1.4 µs for the
 * 40-byte expressions of a link, five or six of which each link has. Here no
 * Python object is made per digest: OpenSSL's SHA-256 state lives on the stack (or, with
 * EVP, one context set up once digests every expression in turn). The GIL
 * is held throughout, so calls never share the context.
 *
 * Where OpenSSL still has its SHA-256 functions (deprecated in 3.0 in favour of EVP, present
 * unless OpenSSL was built without deprecated interfaces), digest() calls them: they run the
 * same SHA-256 code without EVP's dispatch through its providers, about 130 ns a
 * lookup-expression digest against 165 (a fifth of a microsecond per link). These digests
 * are lookup keys, not a security function, so EVP's provider choice (FIPS) is not needed
 * for them. Without those functions, EVP does the same work.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

#if defined(OPENSSL_NO_DEPRECATED_3_0) || defined(OPENSSL_NO_DEPRECATED)
#define DIRECT_SHA256 0
#else
#define DIRECT_SHA256 1
#endif

#if !DIRECT_SHA256
static const EVP_MD *sha256;
static EVP_MD_CTX *context;
#endif

/* A piece of text: count bytes from at. */
typedef struct {
    const char *at;
    Py_ssize_t len;
} Span;

/* The SHA-256 of the spans one after another, as bytes; NULL with an exception set. */
static PyObject *
digest(const Span *spans, int count)
{
    PyObject *hash = PyBytes_FromStringAndSize(NULL, 32);
    if (hash == NULL) {
        return NULL;
    }
#if DIRECT_SHA256
    SHA256_CTX state;
    int ok = SHA256_Init(&state) == 1;
    for (int i = 0; ok && i < count; i++) {
        ok = SHA256_Update(&state, spans[i].at, (size_t)spans[i].len) == 1;
    }
    if (!ok || SHA256_Final((unsigned char *)PyBytes_AS_STRING(hash), &state) != 1) {
#else
    unsigned int size = 0;
    int ok = EVP_DigestInit_ex(context, sha256, NULL) == 1;
    for (int i = 0; ok && i < count; i++) {
        ok = EVP_DigestUpdate(context, spans[i].at, (size_t)spans[i].len) == 1;
    }
    if (!ok || EVP_DigestFinal_ex(context, (unsigned char *)PyBytes_AS_STRING(hash), &size) != 1
        || size != 32) {
#endif
        Py_DECREF(hash);
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL could not digest with SHA-256");
        return NULL;
    }
    return hash;
}

static PyObject *
sha256_one(PyObject *text)
{
    Span data;
    PyObject *encoded = NULL;
    if (PyUnicode_IS_ASCII(text)) { /* its own UTF-8, as every canonical URL's expressions are */
        data = (Span){(const char *)PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text)};
    }
    else { /* as str.encode("utf-8", "surrogatepass"), into a temporary bytes object */
        encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
        if (encoded == NULL) {
            return NULL;
        }
        data = (Span){PyBytes_AS_STRING(encoded), PyBytes_GET_SIZE(encoded)};
    }
    PyObject *hash = digest(&data, 1);
    Py_XDECREF(encoded);
    return hash;
}

static PyObject *
sha256_each(PyObject *Py_UNUSED(module), PyObject *expressions)
{
    PyObject *items = PySequence_Fast(expressions, "sha256_each() takes a sequence of str");
    if (items == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items);
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *text = PySequence_Fast_GET_ITEM(items, i);
        PyObject *hash = NULL;
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "sha256_each() takes a sequence of str");
        }
        else {
            hash = sha256_one(text);
        }
        if (hash == NULL) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, hash);
    }
    Py_DECREF(items);
    return out;
}

/* Lookup expressions, as linkgate.urls.canonical.expressions makes them. */
#define MAX_HOSTS 5
#define MAX_PATH_PREFIXES 4
#define MAX_PATHS (2 + MAX_PATH_PREFIXES)

/* s[from:] .find(ch) over s[0:n], or -1. */
static Py_ssize_t
find(const char *s, Py_ssize_t n, Py_ssize_t from, char ch)
{
    if (from >= n) {
        return -1;
    }
    const char *hit = memchr(s + from, ch, (size_t)(n - from));
    return hit == NULL ? -1 : hit - s;
}

/* The lookup hosts: the host, then its suffixes of min(dots, 5) down to 2 labels (none for
   an IPv4 address, an IPv6 literal or a host of fewer than three labels). */
static int
lookup_hosts(const char *host, Py_ssize_t n, Span *out)
{
    int count = 0;
    out[count++] = (Span){host, n};
    Py_ssize_t dots = 0;
    int digits_and_dots = n > 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (host[i] == '.') {
            dots++;
        }
        else if (host[i] < '0' || host[i] > '9') {
            digits_and_dots = 0;
        }
    }
    if (dots < 2 || host[0] == '[' || (dots == 3 && digits_and_dots && n > 3)) {
        return count;
    }
    Py_ssize_t most = dots < MAX_HOSTS ? dots : MAX_HOSTS;
    /* The suffix of k labels starts after the k-th dot from the right. */
    Py_ssize_t seen = 0;
    Py_ssize_t starts[MAX_HOSTS + 1];
    for (Py_ssize_t i = n - 1; i >= 0 && seen < most; i--) {
        if (host[i] == '.') {
            starts[++seen] = i + 1;
        }
    }
    for (Py_ssize_t k = most; k >= 2; k--) {
        out[count++] = (Span){host + starts[k], n - starts[k]};
    }
    return count;
}

static PyObject *
joined(Span a, Span b, Span c, Span d)
{
    PyObject *s = PyUnicode_New(a.len + b.len + c.len + d.len, 127);
    if (s != NULL) {
        char *to = (char *)PyUnicode_1BYTE_DATA(s);
        memcpy(to, a.at, (size_t)a.len);
        memcpy(to + a.len, b.at, (size_t)b.len);
        memcpy(to + a.len + b.len, c.at, (size_t)c.len);
        memcpy(to + a.len + b.len + c.len, d.at, (size_t)d.len);
    }
    return s;
}

/* A link's lookup hosts and lookup paths (each path up to three spans: path, "?", query), as
   canonical.lookup_parts cuts them; expression h * paths + p is hosts[h] + paths[p]. */
typedef struct {
    Span hosts[MAX_HOSTS];
    Span paths[MAX_PATHS][3];
    int host_count, path_count;
} Parts;

static void
lookup_parts(const char *s, Py_ssize_t n, Parts *out)
{
    out->host_count = out->path_count = 0;
    Py_ssize_t start = -1;
    for (Py_ssize_t i = 0; i + 2 < n; i++) {
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
            start = i + 3;
            break;
        }
    }
    if (start < 0) {
        return;
    }
    Py_ssize_t host_end = find(s, n, start, '/');
    Py_ssize_t question = find(s, n, start, '?');
    if (host_end < 0 || (question >= 0 && question < host_end)) {
        host_end = question >= 0 ? question : n;
    }
    if (host_end == start) {
        return;
    }
    /* path, query = s[host_end:].partition("?") */
    Py_ssize_t mark = find(s, n, host_end, '?');
    Span path = {s + host_end, (mark >= 0 ? mark : n) - host_end};
    Span query = {mark >= 0 ? s + mark + 1 : s + n, mark >= 0 ? n - mark - 1 : 0};
    static const char slash[] = "/", question_mark[] = "?";
    if (path.len == 0) {
        path = (Span){slash, 1};
    }
    Span none = {slash, 0};
    Span(*paths)[3] = out->paths;
    int count = 0;
    if (query.len > 0) {
        paths[count][0] = path;
        paths[count][1] = (Span){question_mark, 1};
        paths[count++][2] = query;
    }
    paths[count][0] = path;
    paths[count][1] = paths[count][2] = none;
    count++;
    if (!(path.len == 1 && path.at[0] == '/')) {
        paths[count][0] = (Span){slash, 1};
        paths[count][1] = paths[count][2] = none;
        count++;
        Py_ssize_t cut = find(path.at, path.len, 1, '/');
        for (int prefixes = 1; cut > 0 && prefixes < MAX_PATH_PREFIXES; prefixes++) {
            if (cut + 1 != path.len) { /* a prefix, not the whole path */
                paths[count][0] = (Span){path.at, cut + 1};
                paths[count][1] = paths[count][2] = none;
                count++;
            }
            cut = find(path.at, path.len, cut + 1, '/');
        }
    }
    out->path_count = count;
    out->host_count = lookup_hosts(s + start, host_end - start, out->hosts);
}

/* One expression, host + path (the path's up to three spans), as a str. */
static PyObject *
expression_text(Span host, const Span *path)
{
    return joined(host, path[0], path[1], path[2]);
}

/* One expression's SHA-256, digested from its spans: the expression is never made. */
static PyObject *
expression_digest(Span host, const Span *path)
{
    const Span spans[4] = {host, path[0], path[1], path[2]};
    return digest(spans, 4);
}

/* item() of every lookup expression of canonical, in order, as a list (or a tuple); None for
   text that is not ASCII, which the Python handles (canonical URLs are ASCII). */
static PyObject *
each_expression(PyObject *canonical, const char *caller, int as_tuple,
                PyObject *(*item)(Span host, const Span *path))
{
    if (!PyUnicode_Check(canonical)) {
        PyErr_Format(PyExc_TypeError, "%s() takes a str", caller);
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(canonical)) {
        Py_RETURN_NONE;
    }
    Parts parts;
    lookup_parts((const char *)PyUnicode_1BYTE_DATA(canonical), PyUnicode_GET_LENGTH(canonical),
                 &parts);
    Py_ssize_t n = (Py_ssize_t)parts.host_count * parts.path_count;
    PyObject *out = as_tuple ? PyTuple_New(n) : PyList_New(n);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t k = 0;
    for (int h = 0; h < parts.host_count; h++) {
        for (int p = 0; p < parts.path_count; p++) {
            PyObject *made = item(parts.hosts[h], parts.paths[p]);
            if (made == NULL) {
                Py_DECREF(out);
                return NULL;
            }
            if (as_tuple) {
                PyTuple_SET_ITEM(out, k++, made);
            }
            else {
                PyList_SET_ITEM(out, k++, made);
            }
        }
    }
    return out;
}

static PyObject *
expressions(PyObject *Py_UNUSED(module), PyObject *canonical)
{
    return each_expression(canonical, "expressions", 0, expression_text);
}

static PyObject *
digests(PyObject *Py_UNUSED(module), PyObject *canonical)
{
    return each_expression(canonical, "digests", 1, expression_digest);
}

static PyMethodDef methods[] = {
    {"expressions", expressions, METH_O,
     "expressions(canonical) -> the Safe Browsing lookup expressions, or None for non-ASCII"},
    {"digests", digests, METH_O,
     "digests(canonical) -> (SHA-256 of each lookup expression, in order), or None for non-ASCII"},
    {"sha256_each", sha256_each, METH_O,
     "sha256_each(expressions) -> [SHA-256 digest of each expression's UTF-8 bytes]"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "linkgate.urls._lookup",
    .m_doc = "Compiled SHA-256 of lookup expressions (see linkgate.urls.canonical).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__lookup(void)
{
#if !DIRECT_SHA256
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); /* fetched once, not at every digest */
#else
    sha256 = EVP_sha256();
#endif
    context = EVP_MD_CTX_new();
    if (sha256 == NULL || context == NULL) {
        PyErr_SetString(PyExc_ImportError, "OpenSSL has no SHA-256 here");
        return NULL;
    }
#endif
    return PyModule_Create(&module);
}
