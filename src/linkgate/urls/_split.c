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
 *
 * link(raw) is the common chat link in one call (linkgate.urls.quick): ASCII text with
 * nothing to strip, with an http(s) scheme or none (then http:// is assumed, as parse()
 * does), is parsed as split() parses it, built into a
 * ParsedUrl by the builder bind_link() was given, and returned with its canonical form
 * when the Safe Browsing rules leave its parts as they are (canonical._canonical's first
 * branch) and whether the link as typed raises no link-level deception signal
 * (deception.plain_link). Any other text gives None: the caller takes the general way.
 *
 * HostCheck is the common host's counterpart (deception.plain_host): whether a domain
 * host certainly raises no host-level deception signal.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
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

/* The WHATWG parse of data[:size], cut into parts[10] (new references; see split()).
   Returns 1 when parsed, 0 when ada rejects the text, -1 with an exception set. */
static int
cut_parts(const char *data, size_t size, PyObject *parts[10])
{
    ada_url url = ada_parse(data, size);
    ada_string h = ada_get_href(url);
    if (h.length == 0) { /* ada serialises a failed parse as an empty href */
        ada_free(url);
        return 0;
    }
    ada_url_components c = *ada_get_components(url);
    const char *href = h.data;
    size_t len = h.length;
    int ascii = is_ascii(href, len);
    size_t query_end = c.hash_start != OMITTED ? c.hash_start : len;
    size_t path_end = c.search_start != OMITTED ? c.search_start : query_end;
    size_t host_a = c.host_start, host_b = c.host_end;
    if (host_b > host_a && href[host_a] == '@') {
        host_a++;
    }
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
            return -1;
        }
    }
    return 1;
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
    PyObject *parts[10];
    int found = cut_parts(data, (size_t)size, parts);
    Py_XDECREF(encoded); /* ada copied what it keeps */
    if (found <= 0) {
        if (found < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *out = PyTuple_New(10);
    if (out == NULL) {
        for (int i = 0; i < 10; i++) {
            Py_DECREF(parts[i]);
        }
        return NULL;
    }
    for (int i = 0; i < 10; i++) {
        PyTuple_SET_ITEM(out, i, parts[i]);
    }
    return out;
}

/* ------------------------------------------------------------------ the common chat link */

static PyObject *builder;      /* ParsedUrl's builder (linkgate.records.slot_builder) */
static Py_ssize_t max_input;   /* parse.MAX_INPUT_LENGTH */
static Py_ssize_t max_url;     /* deception.MAX_URL_LENGTH */

static PyObject *
bind_link(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *make;
    Py_ssize_t input_limit, url_limit;
    if (!PyArg_ParseTuple(args, "Onn:bind_link", &make, &input_limit, &url_limit)) {
        return NULL;
    }
    if (!PyCallable_Check(make) || input_limit <= 0 || url_limit <= 0) {
        PyErr_SetString(PyExc_ValueError,
                        "bind_link() takes a callable and two positive lengths");
        return NULL;
    }
    Py_XSETREF(builder, Py_NewRef(make));
    max_input = input_limit;
    max_url = url_limit;
    Py_RETURN_NONE;
}

static int
isalnum_ascii(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static int
has_byte(PyObject *s, char ch)
{
    return memchr(PyUnicode_1BYTE_DATA(s), ch, (size_t)PyUnicode_GET_LENGTH(s)) != NULL;
}

/* Whether needle[:k] (k >= 1) occurs in s. Each candidate is found by memchr on the
   needle's first byte, which skips the text between candidates word by word. */
static int
has_text(PyObject *s, const char *needle, size_t k)
{
    const char *d = (const char *)PyUnicode_1BYTE_DATA(s);
    const char *end = d + PyUnicode_GET_LENGTH(s);
    while ((size_t)(end - d) >= k) {
        const char *at = memchr(d, needle[0], (size_t)(end - d) - k + 1);
        if (at == NULL) {
            return 0;
        }
        if (memcmp(at + 1, needle + 1, k - 1) == 0) {
            return 1;
        }
        d = at + 1;
    }
    return 0;
}

static int
has_pair(PyObject *s, const char *pair)
{
    return has_text(s, pair, 2);
}

/* "pt:" or "ta:" in s, in any case: the end of javascript:, vbscript:, livescript: or data:. */
static int
has_scheme_end(PyObject *s)
{
    const char *start = (const char *)PyUnicode_1BYTE_DATA(s);
    const char *d = start;
    const char *end = start + PyUnicode_GET_LENGTH(s);
    const char *at;
    while ((at = memchr(d, ':', (size_t)(end - d))) != NULL) {
        if (at - start >= 2) {
            char a = (char)(at[-2] | 0x20), b = (char)(at[-1] | 0x20);
            if ((a == 'p' && b == 't') || (a == 't' && b == 'a')) {
                return 1;
            }
        }
        d = at + 1;
    }
    return 0;
}

/* canonical._canonical's first branch: the Safe Browsing form when host, path and query need
   none of its rewriting rules, else NULL with no exception (the caller takes the general way).
   Every part is an ASCII str here. */
static PyObject *
quick_canonical(PyObject *href, PyObject *const parts[10])
{
    PyObject *type = parts[9];
    if (type != host_domain && type != host_ipv4 && type != host_ipv6) {
        return NULL;
    }
    PyObject *host = parts[4], *path = parts[6], *query = parts[7];
    const char *h = (const char *)PyUnicode_1BYTE_DATA(host);
    Py_ssize_t hn = PyUnicode_GET_LENGTH(host);
    if (hn == 0 || h[0] == '.' || h[hn - 1] == '.' || has_pair(host, "..")
        || has_byte(path, '%') || has_byte(query, '%') || has_pair(path, "/.")
        || has_pair(path, "//")) {
        return NULL;
    }
    /* An empty query that was typed ("x?" or "x?#y") stays in the canonical form. */
    int bare_question = 0;
    if (PyUnicode_GET_LENGTH(query) == 0) {
        const char *d = (const char *)PyUnicode_1BYTE_DATA(href);
        Py_ssize_t n = PyUnicode_GET_LENGTH(href);
        const char *hash = memchr(d, '#', (size_t)n);
        Py_ssize_t end = hash != NULL ? hash - d : n;
        bare_question = end > 0 && d[end - 1] == '?';
    }
    PyObject *scheme = parts[1];
    Py_ssize_t sn = PyUnicode_GET_LENGTH(scheme), pn = PyUnicode_GET_LENGTH(path);
    Py_ssize_t qn = bare_question ? 1 : PyUnicode_GET_LENGTH(query);
    PyObject *out = PyUnicode_New(sn + 3 + hn + pn + qn, 127);
    if (out == NULL) {
        return NULL;
    }
    char *w = (char *)PyUnicode_1BYTE_DATA(out);
    memcpy(w, PyUnicode_1BYTE_DATA(scheme), (size_t)sn);
    w += sn;
    memcpy(w, "://", 3);
    w += 3;
    memcpy(w, h, (size_t)hn);
    w += hn;
    memcpy(w, PyUnicode_1BYTE_DATA(path), (size_t)pn);
    w += pn;
    memcpy(w, bare_question ? "?" : (const char *)PyUnicode_1BYTE_DATA(query), (size_t)qn);
    return out;
}

/* deception.plain_link: typed exactly as WHATWG serialises it (up to ASCII case), on a domain,
   without userinfo, nothing after the host that could carry another URL, not too long. The
   three strings after the host are tested one by one: the "?" of an empty query and the "#"
   of an empty fragment, which their concatenation lacks, are in none of the sequences, and no
   sequence spans two of them (each but the path begins with "?" or "#"). */
static int
plain_link(PyObject *raw, PyObject *const parts[10], int added)
{
    if (parts[9] != host_domain || PyUnicode_GET_LENGTH(parts[2]) || PyUnicode_GET_LENGTH(parts[3])
        || PyUnicode_GET_LENGTH(raw) > max_url) {
        return 0;
    }
    PyObject *href = parts[0];
    Py_ssize_t n = PyUnicode_GET_LENGTH(raw);
    Py_ssize_t skip = added ? 7 : 0; /* the http:// given to a link typed without it */
    if (PyUnicode_GET_LENGTH(href) != n + skip) {
        return 0;
    }
    const char *a = (const char *)PyUnicode_1BYTE_DATA(raw);
    const char *b = (const char *)PyUnicode_1BYTE_DATA(href) + skip;
    if (memcmp(a, b, (size_t)n) != 0) {
        for (Py_ssize_t i = 0; i < n; i++) {
            char x = a[i], y = b[i];
            if (x >= 'A' && x <= 'Z') {
                x = (char)(x + 32);
            }
            if (y >= 'A' && y <= 'Z') {
                y = (char)(y + 32);
            }
            if (x != y) {
                return 0;
            }
        }
    }
    for (int i = 6; i <= 8; i++) {
        PyObject *s = parts[i];
        if (has_byte(s, '%') || has_byte(s, '\\') || has_pair(s, "//") || has_pair(s, ":/")
            || has_text(s, "aHR0c", 5) || has_scheme_end(s)) {
            return 0;
        }
    }
    return 1;
}

static PyObject *
quick_link(PyObject *Py_UNUSED(module), PyObject *raw)
{
    if (!PyUnicode_Check(raw)) {
        PyErr_SetString(PyExc_TypeError, "link() takes a str");
        return NULL;
    }
    if (ada_parse == NULL || builder == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "link() before bind() and bind_link()");
        return NULL;
    }
    /* The common case only: ASCII, nothing for parse() to strip, an http(s) scheme or none. */
    Py_ssize_t n = PyUnicode_GET_LENGTH(raw);
    if (!PyUnicode_IS_ASCII(raw) || n > max_input || n < 8) {
        Py_RETURN_NONE;
    }
    const char *s = (const char *)PyUnicode_1BYTE_DATA(raw);
    if ((unsigned char)s[n - 1] <= 0x20) {
        Py_RETURN_NONE;
    }
    PyObject *args[12];
    int found, added = 0;
    if (memcmp(s, "http://", 7) == 0 || memcmp(s, "https://", 8) == 0) {
        found = cut_parts(s, (size_t)n, args + 1);
    }
    else {
        /* A link typed without a scheme (m.tb.cn/h.abc): parse.assume_scheme gives it
           http:// when it does not begin with what could be a scheme and its colon, and has
           no tab or newline to remove first. Anything else takes the general way. */
        if (!isalnum_ascii(s[0])) {
            Py_RETURN_NONE;
        }
        Py_ssize_t i = 1;
        while (i < n && (isalnum_ascii(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')) {
            i++;
        }
        if (i < n && s[i] == ':') {
            Py_RETURN_NONE;
        }
        if (memchr(s, '\t', (size_t)n) || memchr(s, '\n', (size_t)n) || memchr(s, '\r', (size_t)n)) {
            Py_RETURN_NONE;
        }
        char *text = PyMem_Malloc((size_t)n + 7);
        if (text == NULL) {
            return PyErr_NoMemory();
        }
        memcpy(text, "http://", 7);
        memcpy(text + 7, s, (size_t)n);
        found = cut_parts(text, (size_t)n + 7, args + 1);
        PyMem_Free(text);
        added = 1;
    }
    if (found <= 0) {
        if (found < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *out = NULL, *parsed = NULL, *canonical = NULL;
    PyObject *const *parts = args + 1;
    if (!PyUnicode_IS_ASCII(parts[0])) { /* not from ASCII text; the general way decides */
        out = Py_NewRef(Py_None);
        goto done;
    }
    canonical = quick_canonical(parts[0], parts);
    if (canonical == NULL) {
        if (PyErr_Occurred()) {
            goto done;
        }
        canonical = Py_NewRef(Py_None);
    }
    args[0] = raw;
    args[11] = added ? Py_True : Py_False;
    parsed = PyObject_Vectorcall(builder, args, 12, NULL);
    if (parsed == NULL) {
        goto done;
    }
    out = PyTuple_Pack(3, parsed, canonical, plain_link(raw, parts, added) ? Py_True : Py_False);
done:
    for (int i = 1; i <= 10; i++) {
        Py_DECREF(args[i]);
    }
    Py_XDECREF(parsed);
    Py_XDECREF(canonical);
    return out;
}


/* ------------------------------------------------------------------ the common host */

/*
 * HostCheck(protected, first_tokens, max_host, max_label)(host, registrable) is
 * deception.plain_host compiled: True when a domain host certainly raises no host-level
 * signal by the cheap checks (see there); False leaves it to the full checks.
 */
typedef struct {
    PyObject_HEAD
    PyObject *protected;    /* frozenset of protected domains */
    PyObject *first_tokens; /* frozenset of the first tokens of protected skeletons */
    Py_ssize_t max_host;
    Py_ssize_t max_label;
    vectorcallfunc vectorcall;
} HostCheck;

static int
ascii_lower_name(PyObject *s)
{
    if (!PyUnicode_IS_ASCII(s)) {
        return 0;
    }
    const char *d = (const char *)PyUnicode_1BYTE_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (d[i] >= 'A' && d[i] <= 'Z') {
            return 0;
        }
    }
    return n == 0 || d[n - 1] != '.';
}

/* 1 when the skeleton of host[a:b] (m -> rn, 0 -> o, 1 -> l) is a first token, 0 when not,
   -1 with an exception set. */
static int
token_is_first(HostCheck *self, const char *host, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t size = 0;
    for (Py_ssize_t i = a; i < b; i++) {
        size += host[i] == 'm' ? 2 : 1;
    }
    PyObject *token = PyUnicode_New(size, 127);
    if (token == NULL) {
        return -1;
    }
    char *w = (char *)PyUnicode_1BYTE_DATA(token);
    for (Py_ssize_t i = a; i < b; i++) {
        char ch = host[i];
        if (ch == 'm') {
            *w++ = 'r';
            *w++ = 'n';
        }
        else {
            *w++ = ch == '0' ? 'o' : ch == '1' ? 'l' : ch;
        }
    }
    int found = PySet_Contains(self->first_tokens, token);
    Py_DECREF(token);
    return found;
}

static PyObject *
HostCheck_vectorcall(HostCheck *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (PyVectorcall_NARGS(nargsf) != 2 || kwnames != NULL || !PyUnicode_Check(args[0])
        || (args[1] != Py_None && !PyUnicode_Check(args[1]))) {
        PyErr_SetString(PyExc_TypeError, "a HostCheck takes a host and its registrable domain");
        return NULL;
    }
    PyObject *host = args[0], *registrable = args[1];
    Py_ssize_t n = PyUnicode_GET_LENGTH(host);
    if (n == 0 || n > self->max_host || !ascii_lower_name(host)
        || (registrable != Py_None && !ascii_lower_name(registrable))) {
        Py_RETURN_FALSE;
    }
    const char *h = (const char *)PyUnicode_1BYTE_DATA(host);
    if (has_text(host, "localhost", 9) || has_text(host, "xn--", 4)) {
        Py_RETURN_FALSE;
    }
    Py_ssize_t label = 0;
    int letter = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char ch = h[i];
        if (ch == '.') {
            label = 0;
            continue;
        }
        if (++label > self->max_label || ch == '"' || ch == '%' || ch == '`' || ch == '|') {
            Py_RETURN_FALSE;
        }
        letter |= ch >= 'a' && ch <= 'z';
    }
    int found = registrable != Py_None ? PySet_Contains(self->protected, registrable) : 0;
    if (found == 0) {
        found = PySet_Contains(self->protected, host);
    }
    if (found) {
        if (found < 0) {
            return NULL;
        }
        Py_RETURN_TRUE;
    }
    if (!letter) { /* no cased character: the skeleton's general way */
        Py_RETURN_FALSE;
    }
    Py_ssize_t begin = 0;
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i == n || h[i] == '.' || h[i] == '-') {
            int first = token_is_first(self, h, begin, i);
            if (first) {
                if (first < 0) {
                    return NULL;
                }
                Py_RETURN_FALSE;
            }
            begin = i + 1;
        }
    }
    Py_RETURN_TRUE;
}

static PyObject *
HostCheck_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"protected", "first_tokens", "max_host", "max_label", NULL};
    PyObject *protected, *first_tokens;
    Py_ssize_t max_host, max_label;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O!O!nn:HostCheck", names, &PyFrozenSet_Type,
                                     &protected, &PyFrozenSet_Type, &first_tokens, &max_host,
                                     &max_label)) {
        return NULL;
    }
    if (max_host <= 0 || max_label <= 0) {
        PyErr_SetString(PyExc_ValueError, "HostCheck takes positive lengths");
        return NULL;
    }
    HostCheck *self = (HostCheck *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->protected = Py_NewRef(protected);
    self->first_tokens = Py_NewRef(first_tokens);
    self->max_host = max_host;
    self->max_label = max_label;
    self->vectorcall = (vectorcallfunc)HostCheck_vectorcall;
    return (PyObject *)self;
}

static void
HostCheck_dealloc(HostCheck *self)
{
    /* It refers only to two frozensets of str, which refer to nothing: no cycle to collect. */
    Py_XDECREF(self->protected);
    Py_XDECREF(self->first_tokens);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject HostCheckType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "linkgate.urls._split.HostCheck",
    .tp_doc = "HostCheck(protected, first_tokens, max_host, max_label)(host, registrable): "
              "whether the host certainly raises no host-level deception signal.",
    .tp_basicsize = sizeof(HostCheck),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = HostCheck_new,
    .tp_dealloc = (destructor)HostCheck_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(HostCheck, vectorcall),
};

static PyMethodDef methods[] = {
    {"bind", bind, METH_VARARGS,
     "bind(ada_parse, ada_get_href, ada_get_components, ada_free): the functions' addresses."},
    {"split", split, METH_O,
     "split(text) -> (href, scheme, username, password, hostname, port, pathname, search, "
     "hash, host_type), or None when the WHATWG parser rejects text."},
    {"bind_link", bind_link, METH_VARARGS,
     "bind_link(make_parsed, max_input_length, max_url_length): what link() builds with."},
    {"link", quick_link, METH_O,
     "link(raw) -> (parsed, canonical or None, plain), or None when raw is not the common "
     "case (see linkgate.urls.quick)."},
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
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    if (PyType_Ready(&HostCheckType) < 0
        || PyModule_AddObjectRef(m, "HostCheck", (PyObject *)&HostCheckType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
