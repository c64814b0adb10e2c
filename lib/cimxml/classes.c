/* Lookups over the generated class tables (classes-gen.c). */
#include "classes.h"

#include <strings.h>

/* CIM names are case-insensitive (DSP0004). */
const cx_class *cx_class_find(const char *name)
{
    for (size_t i = 0; name && i < cx_class_count; i++)
        if (strcasecmp(cx_classes[i].name, name) == 0)
            return &cx_classes[i];
    return 0;
}

int cx_class_is_a(const cx_class *cls, const cx_class *ancestor)
{
    while (cls) {
        if (cls == ancestor)
            return 1;
        cls = cls->superclass ? cx_class_find(cls->superclass) : 0;
    }
    return 0;
}

const cx_property *cx_class_property(const cx_class *cls, const char *name)
{
    for (unsigned i = 0; cls && name && i < cls->nprops; i++)
        if (strcasecmp(cls->props[i].name, name) == 0)
            return &cls->props[i];
    return 0;
}

const cx_method *cx_class_method(const cx_class *cls, const char *name)
{
    for (unsigned i = 0; cls && name && i < cls->nmethods; i++)
        if (strcasecmp(cls->methods[i].name, name) == 0)
            return &cls->methods[i];
    return 0;
}
