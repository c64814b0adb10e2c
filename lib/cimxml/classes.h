/*
 * The CIM class definitions libcimjob-cimxml serves, as constant tables generated from the MOF
 * (tools/gen-cimxml-classes.py -> classes-gen.c). Inheritance is resolved by the generator:
 * every class lists all its properties and methods, each with its CLASSORIGIN, the class that
 * last declared or overrode it, and its qualifiers as seen from that class.
 */
#ifndef CIMJOB_CIMXML_CLASSES_H
#define CIMJOB_CIMXML_CLASSES_H

#include <stddef.h>

/* Qualifier flavors that differ from DSP0201's defaults, and PROPAGATED. */
enum {
    CX_NOT_OVERRIDABLE = 1u << 0, /* OVERRIDABLE="false" */
    CX_RESTRICTED = 1u << 1,      /* TOSUBCLASS="false" */
    CX_TRANSLATABLE = 1u << 2,    /* TRANSLATABLE="true" */
    CX_PROPAGATED = 1u << 3       /* PROPAGATED="true" */
};

typedef struct cx_qualifier {
    const char *name;
    const char *type;          /* a CIM type name */
    const char *const *values; /* NULL when the value is NULL */
    unsigned nvalues;
    unsigned char is_array;
    unsigned char flags;
} cx_qualifier;

typedef struct cx_property {
    const char *name;
    const char *type;
    unsigned char is_array;
    unsigned char embedded_object; /* EmbeddedObject qualifier: EmbeddedObject="object" */
    const char *origin;            /* CLASSORIGIN: the class that first declared it */
    const char *declared_in;       /* the class that last declared (or overrode) it */
    const char *defval;            /* the default, NULL for none */
    const cx_qualifier *quals;
    unsigned nquals;
    unsigned char key;
    unsigned char write;
} cx_property;

typedef struct cx_parameter {
    const char *name;
    const char *type;     /* "reference" for a REF */
    const char *refclass; /* for a REF */
    unsigned char is_array;
    const cx_qualifier *quals;
    unsigned nquals;
    unsigned char in;
    unsigned char out;
} cx_parameter;

typedef struct cx_method {
    const char *name;
    const char *type;
    const char *origin;
    const char *declared_in;
    const cx_qualifier *quals;
    unsigned nquals;
    const cx_parameter *params;
    unsigned nparams;
    unsigned char is_static;
} cx_method;

typedef struct cx_class {
    const char *name;
    const char *superclass; /* NULL for a root class */
    const cx_qualifier *quals;
    unsigned nquals;
    const cx_property *props;
    unsigned nprops;
    const cx_method *methods;
    unsigned nmethods;
    unsigned char is_abstract;
} cx_class;

extern const cx_class cx_classes[];
extern const size_t cx_class_count;

/* The class of that name (case-insensitive), or NULL. */
const cx_class *cx_class_find(const char *name);
/* Whether @p cls is @p ancestor or one of its subclasses. */
int cx_class_is_a(const cx_class *cls, const cx_class *ancestor);
/* The property / method of that name (case-insensitive), or NULL. */
const cx_property *cx_class_property(const cx_class *cls, const char *name);
const cx_method *cx_class_method(const cx_class *cls, const char *name);

#endif /* CIMJOB_CIMXML_CLASSES_H */
