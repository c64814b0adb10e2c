#!/usr/bin/env python3
"""Compile the job classes' MOF into C tables for libcimjob-cimxml (lib/cimxml/classes-gen.c).

    tools/gen-cimxml-classes.py SCHEMA_DIR OUR_MOF OUT.c

SCHEMA_DIR is DMTF's schema subset (../shared/wbem/schema: CIM_Schema.mof and what it includes),
OUR_MOF is lib/cimxml/CIMJOB_ConcreteJob.mof. The output is committed; the suite `cimxml`
regenerates it and fails when the committed file is stale.

A small MOF reader (DSP0004 syntax as these files use it: qualifier declarations, classes with
properties, methods, parameters, REF parameters, defaults), then inheritance is resolved here,
so the C side only walks tables: every class carries all its properties and methods, each with
its CLASSORIGIN, the class that last declared (overrode) it, and its qualifiers merged along the
chain (ToSubclass ones propagated, Restricted ones not).
"""
import os
import re
import sys

TOKEN = re.compile(r'''
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<num>[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?))
  | (?P<id>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<pragma>\#pragma)
  | (?P<p>[\[\](){},;:=])
''', re.S | re.X)

ESC = {'n': '\n', 't': '\t', 'r': '\r', '"': '"', "'": "'", '\\': '\\', 'b': '\b', 'f': '\f'}


def unescape(s):
    return re.sub(r'\\(.)', lambda m: ESC.get(m.group(1), m.group(1)), s[1:-1])


def tokenize(text, path):
    pos, out = 0, []
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            sys.exit('%s: cannot read MOF at %r' % (path, text[pos:pos + 40]))
        pos = m.end()
        kind = m.lastgroup
        if kind == 'ws':
            continue
        val = m.group(kind)
        if kind == 'str':
            # Adjacent string literals concatenate.
            if out and out[-1][0] == 'str':
                out[-1] = ('str', out[-1][1] + unescape(val))
                continue
            val = unescape(val)
        out.append((kind, val))
    return out


class Reader:
    def __init__(self):
        self.qualdecl = {}   # lower name -> dict(name, type, is_array, flavors)
        self.classes = {}    # name -> dict
        self.order = []

    def read_file(self, path):
        with open(path, encoding='utf-8') as f:
            self.toks = tokenize(f.read(), path)
        self.i = 0
        self.path = path
        while self.i < len(self.toks):
            k, v = self.peek()
            if k == 'pragma':
                self.i += 1
                self.expect('id')  # include
                self.expect('(')
                inc = self.expect('str')
                self.expect(')')
                saved = (self.toks, self.i, self.path)
                self.read_file(os.path.join(os.path.dirname(path), inc))
                self.toks, self.i, self.path = saved
            elif k == 'id' and v.lower() == 'qualifier':
                self.qualifier_decl()
            else:
                self.class_decl()

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else ('eof', '')

    def next(self):
        t = self.peek()
        self.i += 1
        return t

    def expect(self, what):
        k, v = self.next()
        if (what in ('id', 'str', 'num') and k != what) or (what not in ('id', 'str', 'num') and v != what):
            sys.exit('%s: expected %s, got %r' % (self.path, what, v))
        return v

    def accept(self, p):
        if self.peek()[1] == p and self.peek()[0] == 'p':
            self.i += 1
            return True
        return False

    def value(self):
        k, v = self.next()
        if k == 'str':
            return v
        if k == 'num':
            return v
        if k == 'id' and v.lower() in ('true', 'false'):
            return v.upper()
        if k == 'id' and v.lower() == 'null':
            return None
        sys.exit('%s: bad value %r' % (self.path, v))

    def qualifier_decl(self):
        self.next()
        name = self.expect('id')
        self.expect(':')
        typ = self.expect('id')
        is_array = False
        if self.accept('['):
            self.expect(']')
            is_array = True
        flavors = set()
        while not self.accept(';'):
            k, v = self.next()
            if k == 'id' and v.lower() == 'flavor':
                self.expect('(')
                while not self.accept(')'):
                    k2, v2 = self.next()
                    if k2 == 'id':
                        flavors.add(v2.lower())
        self.qualdecl[name.lower()] = dict(name=name, type=typ, is_array=is_array, flavors=flavors)

    def qualifiers(self):
        quals = []
        if not self.accept('['):
            return quals
        while True:
            name = self.expect('id')
            decl = self.qualdecl.get(name.lower())
            if decl is None:
                sys.exit('%s: qualifier %s is not declared' % (self.path, name))
            vals = ['TRUE'] if decl['type'] == 'boolean' else []
            if self.accept('('):
                vals = [self.value()]
                self.expect(')')
            elif self.accept('{'):
                vals = []
                while True:
                    vals.append(self.value())
                    if self.accept('}'):
                        break
                    self.expect(',')
            quals.append(dict(name=decl['name'], type=decl['type'], is_array=decl['is_array'],
                              values=vals, flavors=decl['flavors']))
            if self.accept(']'):
                return quals
            self.expect(',')

    def class_decl(self):
        cquals = self.qualifiers()
        kw = self.expect('id')
        if kw.lower() != 'class':
            sys.exit('%s: expected class, got %s' % (self.path, kw))
        name = self.expect('id')
        sup = None
        if self.accept(':'):
            sup = self.expect('id')
        self.expect('{')
        props, methods = [], []
        while not self.accept('}'):
            quals = self.qualifiers()
            typ = self.expect('id')
            ref = None
            if self.peek()[1] == 'REF':
                self.next()
                ref, typ = typ, 'reference'
            fname = self.expect('id')
            if self.accept('('):
                params = []
                while not self.accept(')'):
                    pquals = self.qualifiers()
                    ptyp = self.expect('id')
                    pref = None
                    if self.peek()[1] == 'REF':
                        self.next()
                        pref, ptyp = ptyp, 'reference'
                    pname = self.expect('id')
                    parr = False
                    if self.accept('['):
                        self.expect(']')
                        parr = True
                    params.append(dict(name=pname, type=ptyp, ref=pref, is_array=parr, quals=pquals))
                    self.accept(',')
                self.expect(';')
                methods.append(dict(name=fname, type=typ, quals=quals, params=params))
                continue
            is_array = False
            if self.accept('['):
                self.expect(']')
                is_array = True
            default = None
            if self.accept('='):
                default = self.value()
            self.expect(';')
            props.append(dict(name=fname, type=typ, ref=ref, is_array=is_array, quals=quals,
                              default=default))
        self.expect(';')
        self.classes[name] = dict(name=name, sup=sup, quals=cquals, props=props, methods=methods)
        self.order.append(name)


def chain(classes, name):
    out = []
    while name:
        out.append(classes[name])
        name = classes[name]['sup']
    return list(reversed(out))


def merge_features(classes, cname, kind):
    """Every feature of class cname with origin, declaring class and merged qualifiers."""
    merged = {}   # lower name -> dict
    order = []
    for c in chain(classes, cname):
        # Moving down one class: Restricted qualifiers do not reach it.
        for f in merged.values():
            f['quals'] = [dict(q, propagated=True) for q in f['quals'] if 'restricted' not in q['flavors']]
        for f in c[kind]:
            key = f['name'].lower()
            if key in merged:
                old = merged[key]
                quals = {q['name'].lower(): q for q in old['quals']}
                for q in f['quals']:
                    quals[q['name'].lower()] = dict(q, propagated=False)
                nf = dict(f, origin=old['origin'], declared_in=c['name'], quals=list(quals.values()))
                if kind == 'props' and f['default'] is None:
                    nf['default'] = old['default']
                merged[key] = nf
            else:
                order.append(key)
                merged[key] = dict(f, origin=c['name'], declared_in=c['name'],
                                   quals=[dict(q, propagated=False) for q in f['quals']])
    res = [merged[k] for k in order]
    for f in res:
        if f['declared_in'] != cname:  # inherited untouched: every qualifier is propagated
            f['quals'] = [dict(q, propagated=True) for q in f['quals']]
    return res


def cstr(s):
    if s is None:
        return 'NULL'
    out = []
    for ch in s:
        if ch == '\\':
            out.append('\\\\')
        elif ch == '"':
            out.append('\\"')
        elif ch == '\n':
            out.append('\\n')
        elif ord(ch) < 32 or ord(ch) > 126:
            out.extend('\\%03o' % b for b in ch.encode('utf-8'))
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'


class Emitter:
    def __init__(self):
        self.lines = []
        self.n = 0

    def sym(self, prefix):
        self.n += 1
        return '%s%d' % (prefix, self.n)

    def quals(self, quals):
        if not quals:
            return 'NULL', 0
        items = []
        for q in quals:
            vals = [v for v in q['values'] if v is not None]
            vsym = 'NULL'
            if vals:
                vsym = self.sym('cx_v')
                self.lines.append('static const char *const %s[] = {%s};' % (
                    vsym, ', '.join(cstr(v) for v in vals)))
            fl = []
            if 'disableoverride' in q['flavors']:
                fl.append('CX_NOT_OVERRIDABLE')
            if 'restricted' in q['flavors']:
                fl.append('CX_RESTRICTED')
            if 'translatable' in q['flavors']:
                fl.append('CX_TRANSLATABLE')
            if q['propagated']:
                fl.append('CX_PROPAGATED')
            items.append('{%s, "%s", %s, %d, %d, %s}' % (
                cstr(q['name']), q['type'], vsym, len(vals), 1 if q['is_array'] else 0,
                ' | '.join(fl) or '0'))
        sym = self.sym('cx_q')
        self.lines.append('static const cx_qualifier %s[] = {\n    %s};' % (sym, ',\n    '.join(items)))
        return sym, len(quals)

    def has(self, quals, name):
        for q in quals:
            if q['name'].lower() == name.lower():
                return bool(q['values']) and q['values'][0] == 'TRUE'
        return False


def main():
    schema, ours, out = sys.argv[1:4]
    r = Reader()
    r.read_file(os.path.join(schema, 'CIM_Schema.mof'))
    r.read_file(ours)
    wanted = ['CIM_ManagedElement', 'CIM_ManagedSystemElement', 'CIM_LogicalElement', 'CIM_Job',
              'CIM_ConcreteJob', 'CIMJOB_ConcreteJob', 'CIM_Error']
    e = Emitter()
    classes = []
    for cname in wanted:
        c = r.classes[cname]
        props = merge_features(r.classes, cname, 'props')
        methods = merge_features(r.classes, cname, 'methods')
        pitems = []
        for p in props:
            qs, nq = e.quals(p['quals'])
            eo = 1 if e.has(p['quals'], 'EmbeddedObject') else 0
            pitems.append('{%s, "%s", %d, %d, %s, %s, %s, %s, %d, %d, %d}' % (
                cstr(p['name']), p['type'], 1 if p['is_array'] else 0, eo, cstr(p['origin']),
                cstr(p['declared_in']), cstr(p['default']), qs, nq,
                1 if e.has(p['quals'], 'Key') else 0, 1 if e.has(p['quals'], 'Write') else 0))
        psym = e.sym('cx_p')
        e.lines.append('static const cx_property %s[] = {\n    %s};' % (psym, ',\n    '.join(pitems)))
        mitems = []
        for m in methods:
            paritems = []
            for a in m['params']:
                qs, nq = e.quals([dict(q, propagated=False) for q in a['quals']])
                paritems.append('{%s, "%s", %s, %d, %s, %d, %d, %d}' % (
                    cstr(a['name']), a['type'], cstr(a['ref']), 1 if a['is_array'] else 0, qs, nq,
                    0 if any(q['name'] == 'In' and q['values'] == ['FALSE'] for q in a['quals']) else 1,
                    1 if e.has(a['quals'], 'Out') else 0))
            asym = 'NULL'
            if paritems:
                asym = e.sym('cx_a')
                e.lines.append('static const cx_parameter %s[] = {\n    %s};' % (asym, ',\n    '.join(paritems)))
            qs, nq = e.quals(m['quals'])
            mitems.append('{%s, "%s", %s, %s, %s, %d, %s, %d, %d}' % (
                cstr(m['name']), m['type'], cstr(m['origin']), cstr(m['declared_in']), qs, nq, asym,
                len(m['params']), 1 if e.has(m['quals'], 'Static') else 0))
        msym = 'NULL'
        if mitems:
            msym = e.sym('cx_m')
            e.lines.append('static const cx_method %s[] = {\n    %s};' % (msym, ',\n    '.join(mitems)))
        cq = [dict(q, propagated=False) for q in c['quals']]
        qs, nq = e.quals(cq)
        classes.append('{%s, %s, %s, %d, %s, %d, %s, %d, %d}' % (
            cstr(cname), cstr(c['sup']), qs, nq, psym, len(props), msym, len(methods),
            1 if e.has(c['quals'], 'Abstract') else 0))
    with open(out, 'w', encoding='utf-8') as f:
        f.write('/* Generated by tools/gen-cimxml-classes.py from DMTF CIM Schema 2.49.0 (DMTF\n'
                ' * copyright, see ../shared/wbem/schema) and lib/cimxml/CIMJOB_ConcreteJob.mof.\n'
                ' * Do not edit: change the MOF or the generator and run it again. */\n')
        f.write('/* clang-format off */\n#include "classes.h"\n\n')
        f.write('\n'.join(e.lines))
        f.write('\n\nconst cx_class cx_classes[] = {\n    %s};\n' % ',\n    '.join(classes))
        f.write('const size_t cx_class_count = %d;\n' % len(classes))


if __name__ == '__main__':
    main()
