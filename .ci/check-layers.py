#!/usr/bin/env python3
"""check-layers: the floors of the source tree and who may include whom.

Each folder below is one CMake library (or the binary) that exports only its
own folder; a header is named by its file name ("store.h"). The rules:
  1. protocol depends on nothing in the project, trust only on protocol,
     node/base on libc only.
  2. http, store and h2client never include each other; core never includes
     api, cli or peers; api and fed use public headers only.
  3. A *_int.h header is included only from its own folder, and never from
     a public header (which would hand the internals to every includer).
  4. Nothing includes node/cli; only node/cli (and the conformance suite,
     tests, tools) defines executables.
  5. Only the SQLite store driver includes sqlite3.h; only the PostgreSQL
     store driver includes libpq-fe.h.
  6. A comment that names a source or document file names one that exists.
Prints every violation as FILE:LINE: message and exits 1 if there is any.
"""
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..'))

# folder -> folders whose headers it may include
ALLOWED = {
    'protocol': set(),
    'trust': {'protocol'},
    'node/base': set(),
    'node/http': {'node/base', 'protocol', 'trust'},
    'node/store': {'node/base', 'protocol', 'trust'},
    'peers/h2client': {'node/base', 'protocol', 'trust'},
    'node/core': {'node/base', 'node/http', 'node/store', 'protocol', 'trust'},
    'node/api': {'node/core', 'node/store', 'node/http', 'node/base',
                 'protocol', 'trust'},
    'peers/fed': {'node/core', 'node/store', 'node/http', 'peers/h2client',
                  'node/base', 'protocol', 'trust'},
    'node/cli': {'node/api', 'peers/fed', 'peers/h2client', 'node/core',
                 'node/store', 'node/http', 'node/base', 'protocol', 'trust'},
    'conformance': {'protocol', 'trust'},
}
# Third-party headers a floor may not use (base is libc only).
FOREIGN = re.compile(r'^(event2|openssl|libxml|xmlsec|nghttp2|sqlite3|ini|'
                     r'systemd|evhttp|libpq)')
SQLITE_OK = ('node/store/sqlite',)
LIBPQ_OK = ('node/store/pg',)
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]')
EXEC = re.compile(r'add_executable\s*\(')
# A file named in a comment: at least three characters before the dot, so
# that member accesses such as "w.c" are not taken for file names.
FILEREF = re.compile(r'(?<![\w/.>-])([\w/-]*\w{3}\.(?:c|h|md))\b')


def folder_of(path):
    """The floor a file belongs to: the longest ALLOWED key that prefixes it."""
    best = None
    for f in ALLOWED:
        if path == f or path.startswith(f + '/'):
            if best is None or len(f) > len(best):
                best = f
    return best


def main():
    headers = {}  # file name -> floor
    sources = []
    errors = []
    for floor in ALLOWED:
        for dirpath, _, files in os.walk(os.path.join(ROOT, floor)):
            for name in sorted(files):
                rel = os.path.relpath(os.path.join(dirpath, name), ROOT)
                if folder_of(rel) != floor:
                    continue
                if name.endswith('.h'):
                    if name in headers and headers[name] != floor:
                        errors.append('%s: header name also used in %s' %
                                      (rel, headers[name]))
                    headers[name] = floor
                if name.endswith(('.c', '.h')):
                    sources.append((rel, floor))
    for rel, floor in sources:
        with open(os.path.join(ROOT, rel), encoding='utf-8') as fh:
            for lineno, line in enumerate(fh, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                where = '%s:%d' % (rel, lineno)
                if kind == '<':
                    if floor == 'node/base' and FOREIGN.match(name):
                        errors.append('%s: node/base is libc only, includes '
                                      '<%s>' % (where, name))
                    if name == 'sqlite3.h' and not rel.startswith(SQLITE_OK):
                        errors.append('%s: only the SQLite driver (%s) '
                                      'includes sqlite3.h' %
                                      (where, SQLITE_OK[0]))
                    if name == 'libpq-fe.h' and not rel.startswith(LIBPQ_OK):
                        errors.append('%s: only the PostgreSQL driver (%s) '
                                      'includes libpq-fe.h' %
                                      (where, LIBPQ_OK[0]))
                    continue
                target = headers.get(os.path.basename(name))
                if target is None:
                    if not os.path.exists(os.path.join(ROOT, os.path.dirname(rel), name)):
                        errors.append('%s: "%s" is no header of the tree' %
                                      (where, name))
                    continue
                if (name.endswith('_int.h') and rel.endswith('.h') and
                        not rel.endswith('_int.h')):
                    errors.append('%s: a public header includes %s' %
                                  (where, name))
                if target == floor:
                    continue
                if name.endswith('_int.h'):
                    errors.append('%s: %s is internal to %s' %
                                  (where, name, target))
                elif target == 'node/cli':
                    errors.append('%s: nothing includes node/cli (%s)' %
                                  (where, name))
                elif target not in ALLOWED[floor]:
                    errors.append('%s: %s may not include %s (%s)' %
                                  (where, floor, target, name))
    known = set()
    for dirpath, dirs, files in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        dirs[:] = [d for d in dirs if not d.startswith(('build', '.git'))]
        for name in files:
            known.add(os.path.normpath(os.path.join(rel, name)))
    names = {os.path.basename(k) for k in known}
    for rel in sorted(k for k in known if k.endswith(('.c', '.h')) and
                      k.split(os.sep)[0] in ('protocol', 'trust', 'node',
                                             'peers', 'conformance', 'tests')):
        with open(os.path.join(ROOT, rel), encoding='utf-8') as fh:
            in_comment = False
            for lineno, line in enumerate(fh, 1):
                text = line
                if not in_comment and '/*' not in line and '//' not in line:
                    continue
                if '/*' in line:
                    in_comment = True
                    text = line[line.index('/*'):]
                if '*/' in line:
                    in_comment = False
                for m in FILEREF.finditer(text):
                    ref = m.group(1)
                    if ref in known or ('/' not in ref and ref in names) or \
                            any(k.endswith('/' + ref) for k in known):
                        continue
                    errors.append('%s:%d: the comment names %s, which is no '
                                  'file of the tree' % (rel, lineno, ref))
    for dirpath, _, files in os.walk(ROOT):
        rel = os.path.relpath(dirpath, ROOT)
        if rel.startswith(('build', '.git', 'tests', 'conformance')) or \
                rel.split(os.sep)[0].startswith('build'):
            continue
        if 'CMakeLists.txt' in files and rel != 'node/cli':
            with open(os.path.join(dirpath, 'CMakeLists.txt')) as fh:
                for lineno, line in enumerate(fh, 1):
                    if EXEC.search(line) and not line.lstrip().startswith('#'):
                        errors.append('%s/CMakeLists.txt:%d: only node/cli '
                                      'assembles the binary' % (rel, lineno))
    for e in errors:
        print(e)
    print('check-layers: %d floors, %d files, %d violations' %
          (len(ALLOWED), len(sources), len(errors)))
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
