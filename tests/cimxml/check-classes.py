#!/usr/bin/env python3
"""Fail when lib/cimxml/classes-gen.c is not what tools/gen-cimxml-classes.py makes now.
   check-classes.py SOURCE_ROOT SCHEMA_DIR   (exit 77, skipped, without the schema)"""
import os
import subprocess
import sys
import tempfile

root, schema = sys.argv[1], sys.argv[2]
if not os.path.isfile(os.path.join(schema, 'CIM_Schema.mof')):
    print('no DMTF schema at %s: skipped' % schema)
    sys.exit(77)
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, 'classes-gen.c')
    subprocess.check_call([sys.executable, os.path.join(root, 'tools', 'gen-cimxml-classes.py'),
                           schema, os.path.join(root, 'lib', 'cimxml', 'CIMJOB_ConcreteJob.mof'), out])
    with open(out, encoding='utf-8') as a, open(os.path.join(root, 'lib', 'cimxml', 'classes-gen.c'),
                                                encoding='utf-8') as b:
        if a.read() != b.read():
            print('lib/cimxml/classes-gen.c is stale: run tools/gen-cimxml-classes.py')
            sys.exit(1)
print('classes-gen.c is current')
