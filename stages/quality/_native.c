/* Hot loops of the quality rules, compiled. Every function here is a transcription of a Python function
 * that stays in the package as the reference (and the fallback where this module did not build); the tests
 * compare the two on real text. See stages/quality/native.py for which is which.
 *
 * - repetition(): Gopher's n-gram measures (ngrams.NGrams.top_chars / duplicated_chars).
 * - split_affixes(): spaCy's Tokenizer._split_affixes + _attach_tokens (spacy_chunks.ChunkTokenizer), calling
 *   the tokenizer's own regex functions, so only the control flow moves here.
 * - concat_chunks(): joins cached chunk entries into one document's words (text_units.CachedSpacyUnits).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------------ */
/* n-gram repetition                                                                                       */

static uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static size_t table_size_for(Py_ssize_t m) {
    size_t size = 16;
    while (size < (size_t)m * 2) size <<= 1;
    return size;
}

/* datatrove find_top_duplicate(get_n_grams(words, n)): the most frequent " ".join of n words (ties: first
 * occurrence, as Counter.most_common), its length times its count. N-grams are compared by word ids, which
 * equal exactly for equal words; " ".join of space-free words is injective. */
static int top_chars(const int64_t *ids, const Py_ssize_t *offsets, Py_ssize_t n_words, Py_ssize_t n,
                     long long *out) {
    Py_ssize_t m = n_words - n + 1;
    *out = 0;
    if (m <= 0) return 0;
    size_t size = table_size_for(m), mask = size - 1;
    Py_ssize_t *slots = PyMem_Malloc(size * sizeof(Py_ssize_t)); /* first position of the n-gram, -1 free */
    Py_ssize_t *counts = PyMem_Calloc((size_t)m, sizeof(Py_ssize_t)); /* per first position */
    uint64_t *hashes = PyMem_Malloc((size_t)m * sizeof(uint64_t));
    if (!slots || !counts || !hashes) {
        PyMem_Free(slots), PyMem_Free(counts), PyMem_Free(hashes);
        PyErr_NoMemory();
        return -1;
    }
    memset(slots, 0xff, size * sizeof(Py_ssize_t));
    for (Py_ssize_t i = 0; i < m; i++) {
        uint64_t h = 0x9e3779b97f4a7c15ULL;
        for (Py_ssize_t k = 0; k < n; k++) h = mix64(h ^ (uint64_t)ids[i + k]);
        hashes[i] = h;
        size_t slot = (size_t)h & mask;
        for (;;) {
            Py_ssize_t first = slots[slot];
            if (first < 0) {
                slots[slot] = i;
                counts[i] = 1;
                break;
            }
            if (hashes[first] == h && memcmp(ids + first, ids + i, (size_t)n * sizeof(int64_t)) == 0) {
                counts[first]++;
                break;
            }
            slot = (slot + 1) & mask;
        }
    }
    Py_ssize_t best = 0, best_count = 0;
    for (Py_ssize_t i = 0; i < m; i++) { /* first occurrences carry a count; strict > keeps the earliest */
        if (counts[i] > best_count) best = i, best_count = counts[i];
    }
    *out = (long long)(offsets[best + n] - offsets[best] + n - 1) * best_count;
    PyMem_Free(slots), PyMem_Free(counts), PyMem_Free(hashes);
    return 0;
}

typedef struct {
    const void *data;
    int kind;
    const uint64_t *prefix; /* prefix[k] = polynomial hash of the first k characters */
    const uint64_t *powers;
} Concat;

static uint64_t substring_hash(const Concat *c, Py_ssize_t start, Py_ssize_t end) {
    return c->prefix[end] - c->prefix[start] * c->powers[end - start];
}

static int same_substring(const Concat *c, Py_ssize_t a, Py_ssize_t b, Py_ssize_t len) {
    return memcmp((const char *)c->data + a * c->kind, (const char *)c->data + b * c->kind, (size_t)len * c->kind) == 0;
}

/* datatrove find_all_duplicate(words, n): scan n-grams left to right; an n-gram whose "".join was seen
 * before adds its length and the scan jumps n words ahead (the skipped ones are not recorded). Compared as
 * substrings of the concatenated words, so ["ab", "c"] equals ["a", "bc"] as in datatrove. */
static int duplicated_chars(const Concat *c, const Py_ssize_t *offsets, Py_ssize_t n_words, Py_ssize_t n,
                            long long *out) {
    Py_ssize_t m = n_words - n + 1;
    *out = 0;
    if (m <= 1) return 0;
    size_t size = table_size_for(m), mask = size - 1;
    Py_ssize_t *slots = PyMem_Malloc(size * sizeof(Py_ssize_t));
    uint64_t *slot_hashes = PyMem_Malloc(size * sizeof(uint64_t));
    if (!slots || !slot_hashes) {
        PyMem_Free(slots), PyMem_Free(slot_hashes);
        PyErr_NoMemory();
        return -1;
    }
    memset(slots, 0xff, size * sizeof(Py_ssize_t));
    long long repeated = 0;
    Py_ssize_t i = 0;
    while (i < m) {
        Py_ssize_t start = offsets[i], len = offsets[i + n] - start;
        uint64_t h = substring_hash(c, start, start + len);
        size_t slot = (size_t)mix64(h) & mask;
        int seen = 0;
        for (;;) {
            Py_ssize_t other = slots[slot];
            if (other < 0) break;
            if (slot_hashes[slot] == h && offsets[other + n] - offsets[other] == len &&
                same_substring(c, offsets[other], start, len)) {
                seen = 1;
                break;
            }
            slot = (slot + 1) & mask;
        }
        if (seen) {
            repeated += len;
            i += n;
        } else {
            slots[slot] = i;
            slot_hashes[slot] = h;
            i += 1;
        }
    }
    *out = repeated;
    PyMem_Free(slots), PyMem_Free(slot_hashes);
    return 0;
}

static int64_t *ids_array(PyObject *ids, Py_ssize_t n_words) {
    int64_t *out = PyMem_Malloc((size_t)(n_words ? n_words : 1) * sizeof(int64_t));
    if (!out) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n_words; i++) {
        long long v = PyLong_AsLongLong(PyList_GET_ITEM(ids, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(out);
            return NULL;
        }
        out[i] = v;
    }
    return out;
}

static PyObject *repetition(PyObject *self, PyObject *args) {
    PyObject *words, *ids, *top_ns, *dup_ns;
    if (!PyArg_ParseTuple(args, "O!O!O!O!", &PyList_Type, &words, &PyList_Type, &ids, &PyTuple_Type, &top_ns,
                          &PyTuple_Type, &dup_ns))
        return NULL;
    Py_ssize_t n_words = PyList_GET_SIZE(words);
    if (PyList_GET_SIZE(ids) != n_words) {
        PyErr_SetString(PyExc_ValueError, "words and ids differ in length");
        return NULL;
    }
    PyObject *result = NULL, *joined = NULL, *empty = NULL, *tops = NULL, *dups = NULL;
    int64_t *id_values = NULL;
    Py_ssize_t *offsets = NULL;
    uint64_t *prefix = NULL, *powers = NULL;

    offsets = PyMem_Malloc((size_t)(n_words + 1) * sizeof(Py_ssize_t));
    if (!offsets) {
        PyErr_NoMemory();
        goto done;
    }
    offsets[0] = 0;
    for (Py_ssize_t i = 0; i < n_words; i++) {
        PyObject *w = PyList_GET_ITEM(words, i);
        if (!PyUnicode_Check(w)) {
            PyErr_SetString(PyExc_TypeError, "words must be str");
            goto done;
        }
        offsets[i + 1] = offsets[i] + PyUnicode_GET_LENGTH(w);
    }
    if (!(id_values = ids_array(ids, n_words))) goto done;

    Py_ssize_t n_top = PyTuple_GET_SIZE(top_ns), n_dup = PyTuple_GET_SIZE(dup_ns);
    if (!(tops = PyList_New(n_top)) || !(dups = PyList_New(n_dup))) goto done;
    for (Py_ssize_t j = 0; j < n_top; j++) {
        Py_ssize_t n = PyLong_AsSsize_t(PyTuple_GET_ITEM(top_ns, j));
        long long chars;
        if ((n == -1 && PyErr_Occurred()) || top_chars(id_values, offsets, n_words, n, &chars) < 0) goto done;
        PyList_SET_ITEM(tops, j, PyLong_FromLongLong(chars));
    }

    if (!(empty = PyUnicode_New(0, 0)) || !(joined = PyUnicode_Join(empty, words))) goto done;
    Py_ssize_t total = PyUnicode_GET_LENGTH(joined);
    prefix = PyMem_Malloc((size_t)(total + 1) * sizeof(uint64_t));
    powers = PyMem_Malloc((size_t)(total + 1) * sizeof(uint64_t));
    if (!prefix || !powers) {
        PyErr_NoMemory();
        goto done;
    }
    Concat concat = {PyUnicode_DATA(joined), PyUnicode_KIND(joined), prefix, powers};
    prefix[0] = 0, powers[0] = 1;
    for (Py_ssize_t k = 0; k < total; k++) {
        prefix[k + 1] = prefix[k] * 0x100000001B3ULL + (uint64_t)PyUnicode_READ(concat.kind, concat.data, k) + 1;
        powers[k + 1] = powers[k] * 0x100000001B3ULL;
    }
    for (Py_ssize_t j = 0; j < n_dup; j++) {
        Py_ssize_t n = PyLong_AsSsize_t(PyTuple_GET_ITEM(dup_ns, j));
        long long chars;
        if ((n == -1 && PyErr_Occurred()) || duplicated_chars(&concat, offsets, n_words, n, &chars) < 0) goto done;
        PyList_SET_ITEM(dups, j, PyLong_FromLongLong(chars));
    }
    result = PyTuple_Pack(2, tops, dups);

done:
    Py_XDECREF(joined), Py_XDECREF(empty), Py_XDECREF(tops), Py_XDECREF(dups);
    PyMem_Free(id_values), PyMem_Free(offsets), PyMem_Free(prefix), PyMem_Free(powers);
    return result;
}

/* ------------------------------------------------------------------------------------------------------ */
/* spaCy affix splitting                                                                                   */

/* One check of a regex gate from regex_gates.py: a mode byte (0 some character, 1 the last, 2 the first character
 * must be in the set) and a bitmap of the Basic Multilingual Plane; characters above it always pass. */
static int check_passes(const unsigned char *check, PyObject *string) {
    const unsigned char *bits = check + 1;
    int kind = PyUnicode_KIND(string);
    const void *data = PyUnicode_DATA(string);
    Py_ssize_t n = PyUnicode_GET_LENGTH(string);
#define PASSES(ch) ((ch) >= 0x10000 || (bits[(ch) >> 3] & (1 << ((ch) & 7))))
    if (check[0] == 1) {
        Py_UCS4 last = PyUnicode_READ(kind, data, n - 1);
        return PASSES(last) || (last == '\n' && n > 1 && PASSES(PyUnicode_READ(kind, data, n - 2)));
    }
    if (check[0] == 2) return PASSES(PyUnicode_READ(kind, data, 0));
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (PASSES(ch)) return 1;
    }
    return 0;
#undef PASSES
}

/* The gate is None or checks of GATE_CHECK bytes, all of which must pass. 0: the regex cannot match. */
#define GATE_CHECK 8193
static int gate_passes(PyObject *gate, PyObject *string) {
    if (gate == Py_None || PyUnicode_GET_LENGTH(string) == 0) return 1;
    const unsigned char *g = (const unsigned char *)PyBytes_AS_STRING(gate);
    for (Py_ssize_t at = 0, size = PyBytes_GET_SIZE(gate); at < size; at += GATE_CHECK) {
        if (!check_passes(g + at, string)) return 0;
    }
    return 1;
}

/* A spaCy tokenizer function with its gate and, for the suffix search, its tail (regex_gates.tail): the
 * widest bounded alternative (-1: no tail) and the characters its unbounded alternatives can consume. */
typedef struct {
    PyObject *fn, *gate;
    Py_ssize_t tail_width;
    const unsigned char *tail_chars;
} Rule;

/* The position from which search(string, pos) finds what search(string) finds (regex_gates.tail), else 0. */
static Py_ssize_t tail_start(Rule search, PyObject *string) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(string), q = n - search.tail_width;
    if (search.tail_width < 0 || q <= 0) return 0;
    int kind = PyUnicode_KIND(string);
    const void *data = PyUnicode_DATA(string);
    Py_UCS4 before = PyUnicode_READ(kind, data, q - 1);
    if (PyUnicode_READ(kind, data, n - 1) == '\n' || before >= 0x10000 ||
        (search.tail_chars[before >> 3] & (1 << (before & 7))))
        return 0;
    return q;
}

/* Length of a regex match (match.end() - match.start()), 0 for None or no function; -1 on error. */
static Py_ssize_t match_length(Rule search, PyObject *string) {
    if (search.fn == Py_None || !gate_passes(search.gate, string)) return 0;
    Py_ssize_t start_at = tail_start(search, string);
    PyObject *match = start_at ? PyObject_CallFunction(search.fn, "On", string, start_at)
                               : PyObject_CallOneArg(search.fn, string);
    if (!match) return -1;
    if (match == Py_None) {
        Py_DECREF(match);
        return 0;
    }
    PyObject *span = PyObject_CallMethod(match, "span", NULL);
    Py_DECREF(match);
    if (!span) return -1;
    Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0));
    Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
    Py_DECREF(span);
    if (PyErr_Occurred()) return -1;
    return end - start;
}

/* 1 if fn is not None and fn(string) is truthy, 0 if not, -1 on error. */
static int matches(Rule rule, PyObject *string) {
    if (rule.fn == Py_None || !gate_passes(rule.gate, string)) return 0;
    PyObject *r = PyObject_CallOneArg(rule.fn, string);
    if (!r) return -1;
    int truth = PyObject_IsTrue(r);
    Py_DECREF(r);
    return truth;
}

static int in_specials(PyObject *specials, PyObject *string) {
    return PyUnicode_GET_LENGTH(string) > 0 && PyDict_Contains(specials, string);
}

/* Appends the tokens of string with no affixes left (spaCy's _attach_tokens middle part). */
static int attach_middle(PyObject *tokens, PyObject *string, PyObject *specials, Rule token_match, Rule url_match,
                         Rule infix_finditer) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(string);
    if (length == 0) return 0;
    PyObject *special = PyDict_GetItemWithError(specials, string); /* borrowed */
    if (special) {
        Py_ssize_t end = PyList_GET_SIZE(tokens);
        return PyList_SetSlice(tokens, end, end, special);
    }
    if (PyErr_Occurred()) return -1;
    int m = matches(token_match, string);
    if (m == 0) m = matches(url_match, string);
    if (m < 0) return -1;
    if (m || infix_finditer.fn == Py_None || !gate_passes(infix_finditer.gate, string))
        return PyList_Append(tokens, string);
    PyObject *iter = PyObject_CallOneArg(infix_finditer.fn, string);
    if (!iter) return -1;
    PyObject *match;
    Py_ssize_t start = 0;
    int status = 0;
    while (status == 0 && (match = PyIter_Next(iter))) {
        PyObject *span = PyObject_CallMethod(match, "span", NULL);
        Py_DECREF(match);
        if (!span) {
            status = -1;
            break;
        }
        Py_ssize_t infix_start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0));
        Py_ssize_t infix_end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
        Py_DECREF(span);
        if (PyErr_Occurred()) {
            status = -1;
            break;
        }
        if (infix_start == 0) continue; /* spaCy's start_before_infixes */
        if (infix_start != start) {
            PyObject *part = PyUnicode_Substring(string, start, infix_start);
            status = part ? PyList_Append(tokens, part) : -1;
            Py_XDECREF(part);
        }
        if (status == 0 && infix_start != infix_end) {
            PyObject *part = PyUnicode_Substring(string, infix_start, infix_end);
            status = part ? PyList_Append(tokens, part) : -1;
            Py_XDECREF(part);
        }
        start = infix_end;
    }
    Py_DECREF(iter);
    if (status < 0 || PyErr_Occurred()) return -1;
    if (start < length) {
        PyObject *part = start == 0 ? Py_NewRef(string) : PyUnicode_Substring(string, start, length);
        if (!part) return -1;
        status = PyList_Append(tokens, part);
        Py_DECREF(part);
    }
    return status;
}

static int read_rules(PyObject *functions, PyObject *gates, PyObject *tails, Rule rules[5]) {
    if (!PyTuple_Check(functions) || !PyTuple_Check(gates) || !PyTuple_Check(tails) ||
        PyTuple_GET_SIZE(functions) != 5 || PyTuple_GET_SIZE(gates) != 5 || PyTuple_GET_SIZE(tails) != 5) {
        PyErr_SetString(PyExc_ValueError, "functions, gates and tails: (token_match, url_match, prefix_search, "
                                          "suffix_search, infix_finditer)");
        return -1;
    }
    for (int k = 0; k < 5; k++) {
        rules[k].fn = PyTuple_GET_ITEM(functions, k), rules[k].gate = PyTuple_GET_ITEM(gates, k);
        PyObject *g = rules[k].gate, *t = PyTuple_GET_ITEM(tails, k);
        if (g != Py_None && (!PyBytes_Check(g) || !PyBytes_GET_SIZE(g) || PyBytes_GET_SIZE(g) % GATE_CHECK)) {
            PyErr_SetString(PyExc_ValueError, "a gate is None or checks of 8,193 bytes");
            return -1;
        }
        rules[k].tail_width = -1, rules[k].tail_chars = NULL;
        if (t == Py_None) continue;
        PyObject *bitmap;
        if (!PyTuple_Check(t) || !PyArg_ParseTuple(t, "nS", &rules[k].tail_width, &bitmap) ||
            PyBytes_GET_SIZE(bitmap) != 8192 || rules[k].tail_width < 0) {
            PyErr_Clear();
            PyErr_SetString(PyExc_ValueError, "a tail is None or (width >= 0, 8,192-byte bitmap)");
            return -1;
        }
        rules[k].tail_chars = (const unsigned char *)PyBytes_AS_STRING(bitmap);
    }
    return 0;
}

/* If *string[keep_start:keep_end] (the string without one affix) is a special case: append the affix
 * *string[affix_start:affix_end] to `affixes`, replace *string by the rest and return 1; 0 if not; -1 on error. */
static int strip_into_special(PyObject **string, Py_ssize_t keep_start, Py_ssize_t keep_end, Py_ssize_t affix_start,
                              Py_ssize_t affix_end, PyObject *affixes, PyObject *specials) {
    PyObject *rest = PyUnicode_Substring(*string, keep_start, keep_end);
    if (!rest) return -1;
    int special = in_specials(specials, rest);
    if (special <= 0) {
        Py_DECREF(rest);
        return special;
    }
    PyObject *affix = PyUnicode_Substring(*string, affix_start, affix_end);
    int ok = affix && PyList_Append(affixes, affix) == 0;
    Py_XDECREF(affix);
    Py_SETREF(*string, rest);
    return ok ? 1 : -1;
}

/* spaCy's tokens of one chunk (no whitespace): Tokenizer._split_affixes then _attach_tokens. */
static PyObject *split_chunk(PyObject *chunk, PyObject *specials, const Rule *rules) {
    Rule token_match = rules[0], url_match = rules[1], prefix_search = rules[2], suffix_search = rules[3],
         infix_finditer = rules[4];
    PyObject *prefixes = PyList_New(0), *suffixes = PyList_New(0);
    PyObject *string = Py_NewRef(chunk);
    PyObject *result = NULL;
    if (!prefixes || !suffixes) goto done;
    Py_ssize_t last_size = 0;
    while (PyUnicode_GET_LENGTH(string) > 0 && PyUnicode_GET_LENGTH(string) != last_size) {
        int m = matches(token_match, string);
        if (m < 0) goto done;
        if (m) break;
        if ((m = in_specials(specials, string)) < 0) goto done;
        if (m) break;
        Py_ssize_t length = PyUnicode_GET_LENGTH(string);
        last_size = length;
        Py_ssize_t pre_len = match_length(prefix_search, string);
        if (pre_len < 0) goto done;
        if (pre_len != 0 && pre_len < length) {
            int special = strip_into_special(&string, pre_len, length, 0, pre_len, prefixes, specials);
            if (special < 0) goto done;
            if (special) break;
        }
        PyObject *rest = PyUnicode_Substring(string, pre_len, length);
        if (!rest) goto done;
        Py_ssize_t suf_len = match_length(suffix_search, rest);
        Py_DECREF(rest);
        if (suf_len < 0) goto done;
        if (suf_len != 0 && suf_len < length) {
            int special = strip_into_special(&string, 0, length - suf_len, length - suf_len, length, suffixes, specials);
            if (special < 0) goto done;
            if (special) break;
        }
        /* spaCy: both affixes if they fit, else the prefix alone, else the suffix alone */
        int take_prefix = pre_len != 0, take_suffix = suf_len != 0 && (!pre_len || pre_len + suf_len <= length);
        if (!take_prefix && !take_suffix) continue; /* unchanged: the loop ends */
        Py_ssize_t start = take_prefix ? pre_len : 0, end = take_suffix ? length - suf_len : length;
        PyObject *prefix = take_prefix ? PyUnicode_Substring(string, 0, pre_len) : NULL;
        PyObject *suffix = take_suffix ? PyUnicode_Substring(string, end, length) : NULL;
        PyObject *next = PyUnicode_Substring(string, start, end);
        int ok = next && (!take_prefix || (prefix && PyList_Append(prefixes, prefix) == 0)) &&
                 (!take_suffix || (suffix && PyList_Append(suffixes, suffix) == 0));
        Py_XDECREF(prefix), Py_XDECREF(suffix);
        if (next) Py_SETREF(string, next);
        if (!ok) goto done;
    }
    if (attach_middle(prefixes, string, specials, token_match, url_match, infix_finditer) < 0) goto done;
    for (Py_ssize_t i = PyList_GET_SIZE(suffixes) - 1; i >= 0; i--) {
        if (PyList_Append(prefixes, PyList_GET_ITEM(suffixes, i)) < 0) goto done;
    }
    result = Py_NewRef(prefixes);
done:
    Py_XDECREF(prefixes), Py_XDECREF(suffixes), Py_XDECREF(string);
    return result;
}

static PyObject *split_affixes(PyObject *self, PyObject *args) {
    PyObject *chunk, *specials, *functions, *gates, *tails;
    Rule rules[5];
    if (!PyArg_ParseTuple(args, "UO!OOO", &chunk, &PyDict_Type, &specials, &functions, &gates, &tails) ||
        read_rules(functions, gates, tails, rules) < 0)
        return NULL;
    return split_chunk(chunk, specials, rules);
}

/* ------------------------------------------------------------------------------------------------------ */
/* chunk -> cache entry                                                                                    */

/* The fields of spacy_chunks.Chunk: tokens, token_ids, n_content, content_chars, n_alpha, sentence_step. */
enum { CHUNK_TOKENS, CHUNK_IDS, CHUNK_COUNTS, CHUNK_STEP = CHUNK_COUNTS + 3, CHUNK_FIELDS };

/* 1 if tokens[i:] starts with one of the patterns spaCy's matcher re-checks that begin with tokens[i]. */
static int hits_matcher(PyObject *tokens, PyObject *matcher_patterns) {
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *patterns = PyDict_GetItemWithError(matcher_patterns, PyList_GET_ITEM(tokens, i));
        if (!patterns) {
            if (PyErr_Occurred()) return -1;
            continue;
        }
        PyObject *iter = PyObject_GetIter(patterns), *pattern;
        if (!iter) return -1;
        while ((pattern = PyIter_Next(iter))) {
            Py_ssize_t len = PyTuple_Check(pattern) ? PyTuple_GET_SIZE(pattern) : -1;
            int equal = len >= 0 && i + len <= n;
            for (Py_ssize_t k = 0; equal && k < len; k++) {
                int eq = PyUnicode_Compare(PyList_GET_ITEM(tokens, i + k), PyTuple_GET_ITEM(pattern, k));
                if (eq == -1 && PyErr_Occurred()) {
                    Py_DECREF(pattern), Py_DECREF(iter);
                    return -1;
                }
                equal = eq == 0;
            }
            Py_DECREF(pattern);
            if (equal) {
                Py_DECREF(iter);
                return 1;
            }
        }
        Py_DECREF(iter);
        if (PyErr_Occurred()) return -1;
    }
    return 0;
}

typedef struct {
    PyObject *specials, *matcher_patterns, *token_ids, *punct_chars, *punctuation_set, *is_punct, *is_punct_cache,
        *chunk_type;
    const unsigned char *punctuation_bitmap;
    Rule rules[5];
} ChunkContext;

/* 1 if every character of the token is in the set of 1-character strings, -1 on error. The bitmap (the set's
 * characters of the Basic Multilingual Plane) answers for those; the set itself for the others. */
static int all_chars_in(PyObject *token, PyObject *char_set, const unsigned char *bitmap) {
    int kind = PyUnicode_KIND(token);
    const void *data = PyUnicode_DATA(token);
    for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(token); i < n; i++) {
        Py_UCS4 code = PyUnicode_READ(kind, data, i);
        if (code < 0x10000) {
            if (!(bitmap[code >> 3] & (1 << (code & 7)))) return 0;
            continue;
        }
        PyObject *ch = PyUnicode_FromOrdinal(code);
        if (!ch) return -1;
        int in = PySet_Contains(char_set, ch);
        Py_DECREF(ch);
        if (in <= 0) return in;
    }
    return 1;
}

/* is_punct(token), remembered per token in the cache dict (a pure function of the token). */
static int cached_is_punct(PyObject *token, PyObject *is_punct, PyObject *cache) {
    PyObject *known = PyDict_GetItemWithError(cache, token); /* borrowed */
    if (known) return known == Py_True;
    if (PyErr_Occurred()) return -1;
    PyObject *r = PyObject_CallOneArg(is_punct, token);
    int punct = r ? PyObject_IsTrue(r) : -1;
    Py_XDECREF(r);
    if (punct < 0 || PyDict_SetItem(cache, token, punct ? Py_True : Py_False) < 0) return -1;
    return punct;
}

/* ((breaks, seen) from "no period seen", (breaks, seen) from "period seen"): few distinct values, so kept. */
#define STEP_CACHE 4
static PyObject *step_cache[STEP_CACHE][2][STEP_CACHE][2];

static PyObject *sentence_step(const long long breaks[2], const int seen[2]) {
    int cacheable = breaks[0] >= 0 && breaks[0] < STEP_CACHE && breaks[1] >= 0 && breaks[1] < STEP_CACHE;
    PyObject **slot = cacheable ? &step_cache[breaks[0]][seen[0]][breaks[1]][seen[1]] : NULL;
    if (slot && *slot) return Py_NewRef(*slot);
    PyObject *step = Py_BuildValue("((LO)(LO))", breaks[0], seen[0] ? Py_True : Py_False, breaks[1],
                                   seen[1] ? Py_True : Py_False);
    if (step) {
        PyObject_GC_UnTrack(PyTuple_GET_ITEM(step, 0)), PyObject_GC_UnTrack(PyTuple_GET_ITEM(step, 1));
        PyObject_GC_UnTrack(step);
        if (slot) *slot = Py_NewRef(step); /* lives as long as the module */
    }
    return step;
}

/* spacy_chunks.ChunkTokenizer._chunk: the cache entry of a chunk's tokens. */
static PyObject *chunk_entry(PyObject *tokens, ChunkContext *ctx) {
    Py_ssize_t n = PyList_GET_SIZE(tokens);
    PyObject *token_tuple = PyList_AsTuple(tokens), *ids = PyTuple_New(n);
    PyObject *result = NULL;
    long long n_content = 0, content_chars = 0, n_alpha = 0, breaks[2] = {0, 0};
    int seen[2] = {0, 1}; /* the sentencizer's state, run from "no period seen" and from "period seen" */
    if (!token_tuple || !ids) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *token = PyList_GET_ITEM(tokens, i);
        Py_ssize_t length = PyUnicode_GET_LENGTH(token);
        PyObject *id = PyDict_GetItemWithError(ctx->token_ids, token); /* borrowed */
        if (id) {
            Py_INCREF(id);
        } else {
            /* token_ids.setdefault(token, len(token_ids)) */
            if (PyErr_Occurred() || !(id = PyLong_FromSsize_t(PyDict_GET_SIZE(ctx->token_ids)))) goto done;
            if (PyDict_SetItem(ctx->token_ids, token, id) < 0) {
                Py_DECREF(id);
                goto done;
            }
        }
        PyTuple_SET_ITEM(ids, i, id);

        int kind = PyUnicode_KIND(token), alnum = length > 0, alpha = 0;
        const void *data = PyUnicode_DATA(token);
        for (Py_ssize_t k = 0; k < length; k++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, k);
            alnum &= Py_UNICODE_ISALNUM(ch) != 0;
            alpha |= Py_UNICODE_ISALPHA(ch) != 0;
        }
        n_alpha += alpha;
        int symbol = all_chars_in(token, ctx->punctuation_set, ctx->punctuation_bitmap);
        if (symbol < 0) goto done;
        if (!symbol) n_content++, content_chars += length;
        /* code: 1 sentence-final character, 2 other punctuation, 0 anything else (spaCy's Sentencizer) */
        int code, final = PySet_Contains(ctx->punct_chars, token);
        if (final < 0) goto done;
        if (final) {
            code = 1;
        } else if (alnum) {
            code = 0;
        } else {
            int punct = cached_is_punct(token, ctx->is_punct, ctx->is_punct_cache);
            if (punct < 0) goto done;
            code = punct ? 2 : 0;
        }
        for (int s = 0; s < 2; s++) {
            if (code == 1) {
                seen[s] = 1;
            } else if (code == 0 && seen[s]) {
                breaks[s]++, seen[s] = 0;
            }
        }
    }
    PyObject *step = sentence_step(breaks, seen);
    if (!step) goto done;
    /* Chunk(...): a NamedTuple is a tuple subtype without fields of its own, filled as tuple.__new__ does */
    result = ((PyTypeObject *)ctx->chunk_type)->tp_alloc((PyTypeObject *)ctx->chunk_type, CHUNK_FIELDS);
    if (!result) {
        Py_DECREF(step);
        goto done;
    }
    PyObject *counts[3] = {PyLong_FromLongLong(n_content), PyLong_FromLongLong(content_chars),
                           PyLong_FromLongLong(n_alpha)};
    PyTuple_SET_ITEM(result, CHUNK_TOKENS, Py_NewRef(token_tuple));
    PyTuple_SET_ITEM(result, CHUNK_IDS, Py_NewRef(ids));
    for (int k = 0; k < 3; k++) PyTuple_SET_ITEM(result, CHUNK_COUNTS + k, counts[k]);
    PyTuple_SET_ITEM(result, CHUNK_STEP, step);
    if (!counts[0] || !counts[1] || !counts[2]) Py_CLEAR(result);
    if (result) {
        /* Tuples of str, int and such tuples cannot be in a reference cycle: keep the garbage collector from
         * scanning the cache's entries (CPython untracks them too, but only once a collection has seen them). */
        PyObject *atomic[] = {token_tuple, ids, result};
        for (size_t k = 0; k < sizeof(atomic) / sizeof(atomic[0]); k++) PyObject_GC_UnTrack(atomic[k]);
    }
done:
    Py_XDECREF(token_tuple), Py_XDECREF(ids);
    return result;
}

/* [entry, or None where only spaCy can tell (a special case its matcher re-checks)] for each chunk. */
static PyObject *tokenize_chunks(PyObject *self, PyObject *args) {
    PyObject *chunks, *functions, *gates, *tails, *punctuation_bitmap;
    ChunkContext ctx;
    if (!PyArg_ParseTuple(args, "O!O!O!O!OOSO!OO!OOO", &PyList_Type, &chunks, &PyDict_Type, &ctx.specials,
                          &PyDict_Type, &ctx.matcher_patterns, &PyDict_Type, &ctx.token_ids, &ctx.punct_chars,
                          &ctx.punctuation_set, &punctuation_bitmap, &PyType_Type, &ctx.chunk_type, &ctx.is_punct,
                          &PyDict_Type, &ctx.is_punct_cache, &functions, &gates, &tails) ||
        read_rules(functions, gates, tails, ctx.rules) < 0)
        return NULL;
    if (PyBytes_GET_SIZE(punctuation_bitmap) != 8192) {
        PyErr_SetString(PyExc_ValueError, "punctuation_bitmap: 8,192 bytes");
        return NULL;
    }
    ctx.punctuation_bitmap = (const unsigned char *)PyBytes_AS_STRING(punctuation_bitmap);
    if (!PyAnySet_Check(ctx.punct_chars) || !PyAnySet_Check(ctx.punctuation_set)) {
        PyErr_SetString(PyExc_TypeError, "punct_chars and punctuation_set must be sets");
        return NULL;
    }
    if (!PyType_IsSubtype((PyTypeObject *)ctx.chunk_type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "chunk_type must be a NamedTuple");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(chunks);
    PyObject *out = PyList_New(n);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *chunk = PyList_GET_ITEM(chunks, i);
        if (!PyUnicode_Check(chunk)) {
            PyErr_SetString(PyExc_TypeError, "chunks must be str");
            Py_DECREF(out);
            return NULL;
        }
        PyObject *tokens = split_chunk(chunk, ctx.specials, ctx.rules);
        PyObject *entry = NULL;
        if (tokens) {
            int hit = hits_matcher(tokens, ctx.matcher_patterns);
            entry = hit < 0 ? NULL : hit ? Py_NewRef(Py_None) : chunk_entry(tokens, &ctx);
            Py_DECREF(tokens);
        }
        if (!entry) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, entry);
    }
    return out;
}

/* ------------------------------------------------------------------------------------------------------ */
/* chunk entries -> one document's words                                                                   */

static int extend_from(PyObject *list, PyObject *tuple) {
    if (!PyTuple_Check(tuple)) {
        PyErr_SetString(PyExc_TypeError, "chunk fields must be tuples");
        return -1;
    }
    for (Py_ssize_t i = 0, n = PyTuple_GET_SIZE(tuple); i < n; i++) {
        if (PyList_Append(list, PyTuple_GET_ITEM(tuple, i)) < 0) return -1;
    }
    return 0;
}

/* Chunk entries -> (tokens, ids, n_content, content_chars, n_alpha) of all of them in order. */
static PyObject *concat_chunks(PyObject *self, PyObject *args) {
    PyObject *entries;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &entries)) return NULL;
    PyObject *tokens = PyList_New(0), *ids = PyList_New(0);
    long long sums[3] = {0, 0, 0};
    if (!tokens || !ids) goto fail;
    for (Py_ssize_t i = 0, n = PyList_GET_SIZE(entries); i < n; i++) {
        PyObject *entry = PyList_GET_ITEM(entries, i);
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != CHUNK_FIELDS) {
            PyErr_SetString(PyExc_TypeError, "entries must be Chunk tuples");
            goto fail;
        }
        if (extend_from(tokens, PyTuple_GET_ITEM(entry, CHUNK_TOKENS)) < 0 ||
            extend_from(ids, PyTuple_GET_ITEM(entry, CHUNK_IDS)) < 0)
            goto fail;
        for (int k = 0; k < 3; k++) {
            long long v = PyLong_AsLongLong(PyTuple_GET_ITEM(entry, CHUNK_COUNTS + k));
            if (v == -1 && PyErr_Occurred()) goto fail;
            sums[k] += v;
        }
    }
    return Py_BuildValue("NNLLL", tokens, ids, sums[0], sums[1], sums[2]);
fail:
    Py_XDECREF(tokens), Py_XDECREF(ids);
    return NULL;
}

/* ([cache.get(chunk) for chunk in chunks], the chunks not in the cache, each once, in order of appearance). */
static PyObject *cached_entries(PyObject *self, PyObject *args) {
    PyObject *chunks, *cache;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &chunks, &PyDict_Type, &cache)) return NULL;
    Py_ssize_t n = PyList_GET_SIZE(chunks);
    PyObject *entries = PyList_New(n), *missing = PyList_New(0), *seen = NULL;
    if (!entries || !missing) goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *chunk = PyList_GET_ITEM(chunks, i);
        PyObject *entry = PyDict_GetItemWithError(cache, chunk); /* borrowed */
        if (entry) {
            PyList_SET_ITEM(entries, i, Py_NewRef(entry));
            continue;
        }
        if (PyErr_Occurred()) goto fail;
        PyList_SET_ITEM(entries, i, Py_NewRef(Py_None));
        if (!seen && !(seen = PySet_New(NULL))) goto fail;
        int known = PySet_Contains(seen, chunk);
        if (known < 0 || (!known && (PySet_Add(seen, chunk) < 0 || PyList_Append(missing, chunk) < 0))) goto fail;
    }
    Py_XDECREF(seen);
    return Py_BuildValue("NN", entries, missing);
fail:
    Py_XDECREF(entries), Py_XDECREF(missing), Py_XDECREF(seen);
    return NULL;
}

/* spacy_chunks.ChunkTokenizer.analyze_lines: sentences per line from the entries of "\n".join(lines).split(),
 * whose chunks are each line's str.split() in turn; lines in `general` (index -> count) are counted already. */
static PyObject *line_sentence_counts(PyObject *self, PyObject *args) {
    PyObject *lines, *entries, *general;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyList_Type, &lines, &PyList_Type, &entries, &PyDict_Type, &general))
        return NULL;
    Py_ssize_t n_lines = PyList_GET_SIZE(lines), n_entries = PyList_GET_SIZE(entries), at = 0;
    PyObject *counts = PyList_New(n_lines);
    if (!counts) return NULL;
    for (Py_ssize_t i = 0; i < n_lines; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyUnicode_Check(line)) {
            PyErr_SetString(PyExc_TypeError, "lines must be str");
            goto fail;
        }
        int kind = PyUnicode_KIND(line), in_chunk = 0;
        const void *data = PyUnicode_DATA(line);
        Py_ssize_t n_chunks = 0;
        for (Py_ssize_t k = 0, n = PyUnicode_GET_LENGTH(line); k < n; k++) {
            int space = Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, k));
            n_chunks += !space && !in_chunk;
            in_chunk = !space;
        }
        if (at + n_chunks > n_entries) {
            PyErr_SetString(PyExc_ValueError, "fewer entries than the lines' chunks");
            goto fail;
        }
        PyObject *key = PyLong_FromSsize_t(i);
        if (!key) goto fail;
        PyObject *known = PyDict_GetItemWithError(general, key); /* borrowed */
        Py_DECREF(key);
        if (known) {
            PyList_SET_ITEM(counts, i, Py_NewRef(known));
            at += n_chunks;
            continue;
        }
        if (PyErr_Occurred()) goto fail;
        long long breaks = 0;
        int seen = 0;
        for (Py_ssize_t k = 0; k < n_chunks; k++, at++) {
            PyObject *entry = PyList_GET_ITEM(entries, at);
            if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != CHUNK_FIELDS) {
                PyErr_SetString(PyExc_TypeError, "entries must be Chunk tuples");
                goto fail;
            }
            PyObject *step = PyTuple_GET_ITEM(PyTuple_GET_ITEM(entry, CHUNK_STEP), seen); /* (breaks, seen after) */
            long long b = PyLong_AsLongLong(PyTuple_GET_ITEM(step, 0));
            int after = PyObject_IsTrue(PyTuple_GET_ITEM(step, 1));
            if ((b == -1 && PyErr_Occurred()) || after < 0) goto fail;
            breaks += b, seen = after;
        }
        PyObject *count = PyLong_FromLongLong(breaks + 1); /* no tokens still makes one part */
        if (!count) goto fail;
        PyList_SET_ITEM(counts, i, count);
    }
    return counts;
fail:
    Py_DECREF(counts);
    return NULL;
}

static PyMethodDef methods[] = {
    {"line_sentence_counts", line_sentence_counts, METH_VARARGS,
     "line_sentence_counts(lines, entries, general) -> sentences per line (see spacy_chunks.analyze_lines)"},
    {"cached_entries", cached_entries, METH_VARARGS,
     "cached_entries(chunks, cache) -> ([entry or None per chunk], [chunks not in the cache, each once])"},
    {"repetition", repetition, METH_VARARGS,
     "repetition(words, ids, top_ns, dup_ns) -> (top n-gram chars per n, duplicated n-gram chars per n)"},
    {"split_affixes", split_affixes, METH_VARARGS,
     "split_affixes(chunk, specials, functions, gates, tails); functions: (token_match, url_match, prefix_search, "
     "suffix_search, infix_finditer), each None or a callable; gates and tails: the same order, from "
     "regex_gates.gate and regex_gates.tail"},
    {"tokenize_chunks", tokenize_chunks, METH_VARARGS,
     "tokenize_chunks(chunks, specials, matcher_patterns, token_ids, punct_chars, punctuation_set, "
     "punctuation_bitmap, chunk_type, is_punct, is_punct_cache, functions, gates, tails) -> [Chunk or None]"},
    {"concat_chunks", concat_chunks, METH_VARARGS,
     "concat_chunks(entries) -> (tokens, ids, n_content, content_chars, n_alpha)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", NULL, -1, methods};

PyMODINIT_FUNC PyInit__native(void) { return PyModule_Create(&module); }
