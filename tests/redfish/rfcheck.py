"""Checks of Redfish documents against DMTF's own data (../shared/redfish): each document
against the JSON Schema of its @odata.type (python3-jsonschema, a local resolver: nothing is
fetched), each message against its registry (MessageId, number of MessageArgs, severity), and
what a schema cannot say (@odata.id is the URI, Id its last segment, counts, dates, ranges).

Every finding is a string appended to FINDINGS; a test suite asserts there are none."""
import json
import os
import re

import jsonschema

FINDINGS = []
DMTF = "http://redfish.dmtf.org/schemas/v1/"
ISO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")


# Types whose versioned schema is not in ../shared: their required properties (DSP0268).
BY_HAND = {"MessageRegistryFile": {"@odata.id": str, "Id": str, "Name": str, "Languages": list,
                                   "Location": list, "Registry": str}}


class Checker:
    def __init__(self, shared):
        self.dir = os.path.join(shared, "redfish", "json-schema")
        regdir = os.path.join(shared, "redfish", "registries")
        self.store = {}
        for f in os.listdir(self.dir):
            if f.endswith(".json"):
                with open(os.path.join(self.dir, f)) as fh:
                    doc = json.load(fh)
                self.store[DMTF + f] = doc
                if isinstance(doc.get("$id"), str):
                    self.store[doc["$id"]] = doc
        # An unversioned file is an anyOf over every version; the folder holds the newest only.
        # Keep the versions present, so that nothing refers outside the folder.
        for uri, doc in list(self.store.items()):
            for d in doc.get("definitions", {}).values():
                if isinstance(d, dict) and isinstance(d.get("anyOf"), list):
                    kept = [x for x in d["anyOf"] if not isinstance(x, dict) or "$ref" not in x
                            or x["$ref"].split("#")[0] in self.store
                            or not x["$ref"].startswith(DMTF)]
                    if kept:
                        d["anyOf"] = kept
        self.registries = {}
        for f in os.listdir(regdir):
            if f.endswith(".json"):
                with open(os.path.join(regdir, f)) as fh:
                    reg = json.load(fh)
                major, minor = reg["RegistryVersion"].split(".")[:2]
                self.registries[f"{reg['RegistryPrefix']}.{major}.{minor}"] = reg
        def offline(uri):
            raise LookupError(f"{uri}: not in ../shared/redfish (nothing is fetched)")
        self.resolver = jsonschema.RefResolver(base_uri=DMTF, referrer={}, store=self.store,
                                               handlers={"http": offline, "https": offline})
        self.validated = 0
        self.messages = 0

    def registry(self, uri, doc):
        """A MessageRegistry the service publishes itself (DMTF ships no MessageRegistry schema
        in ../shared): checked by hand against the shape of DMTF's own registry files, then
        used like them to check every message that names it."""
        self.validated += 1
        if not str(doc.get("@odata.type", "")).startswith("#MessageRegistry.v1_"):
            self.finding(uri, f"@odata.type {doc.get('@odata.type')!r} is not a MessageRegistry")
        dmtf = self.registries.get("Base.1.22", {})
        for k in ("Id", "Name", "Language", "RegistryPrefix", "RegistryVersion", "OwningEntity",
                  "Messages"):
            if k in dmtf and k not in doc:
                self.finding(uri, f"registry without {k}")
        prefix, version = doc.get("RegistryPrefix", ""), str(doc.get("RegistryVersion", ""))
        if not re.match(r"^\d+\.\d+\.\d+$", version):
            self.finding(uri, f"RegistryVersion {version!r} is not major.minor.errata")
        if doc.get("Id") != f"{prefix}.{version}":
            self.finding(uri, f"Id {doc.get('Id')!r} is not RegistryPrefix.RegistryVersion")
        if prefix in {r["RegistryPrefix"] for r in self.registries.values()
                      if r is not doc and r.get("OwningEntity") == "DMTF"}:
            self.finding(uri, f"RegistryPrefix {prefix!r} is a DMTF registry's")
        msgs = doc.get("Messages")
        if not isinstance(msgs, dict) or not msgs:
            self.finding(uri, "no Messages")
            return
        severities = {"OK", "Warning", "Critical"}
        for key, e in msgs.items():
            where = f"{uri} Messages.{key}"
            for k in ("Description", "Message", "NumberOfArgs", "MessageSeverity", "Resolution"):
                if k not in e:
                    self.finding(where, f"no {k}")
            n = e.get("NumberOfArgs", 0)
            used = {int(x) for x in re.findall(r"%(\d)", e.get("Message", ""))}
            if used != set(range(1, n + 1)):
                self.finding(where, f"NumberOfArgs {n}, the text uses %{sorted(used)}")
            if len(e.get("ParamTypes", [])) != n:
                self.finding(where, f"{len(e.get('ParamTypes', []))} ParamTypes for {n} args")
            if e.get("MessageSeverity") not in severities:
                self.finding(where, f"MessageSeverity {e.get('MessageSeverity')!r}")
        major, minor = version.split(".")[:2] if version.count(".") == 2 else ("?", "?")
        self.registries[f"{prefix}.{major}.{minor}"] = doc

    def by_hand(self, uri, t, ns, name, doc):
        """A type whose versioned schema ../shared lacks: the version must be one the
        unversioned file lists, and the properties DSP0268 requires must be there and typed."""
        try:  # the file as shipped (the store's anyOf keeps only the versions present)
            with open(os.path.join(self.dir, name + ".json")) as fh:
                refs = json.dumps(json.load(fh).get("definitions", {}).get(name, {}))
        except OSError:
            refs = ""
        if f"{DMTF}{ns}.json#" not in refs:
            self.finding(uri, f"{t}: {name}.json lists no such version")
        for k, kind in BY_HAND[name].items():
            if not isinstance(doc.get(k), kind):
                self.finding(uri, f"{t}: {k} missing or not a {kind.__name__}")
        for loc in doc.get("Location", []) if name == "MessageRegistryFile" else []:
            if not isinstance(loc.get("Language"), str) or not isinstance(loc.get("Uri"), str):
                self.finding(uri, f"{t}: a Location without Language and Uri")
        self.validated += 1

    def finding(self, where, what):
        FINDINGS.append(f"{where}: {what}")

    def schema(self, uri, doc):
        t = doc.get("@odata.type")
        if not isinstance(t, str) or not t.startswith("#") or "." not in t:
            self.finding(uri, f"no usable @odata.type: {t!r}")
            return
        ns, name = t[1:].rsplit(".", 1)
        if DMTF + ns + ".json" not in self.store and name in BY_HAND:
            self.by_hand(uri, t, ns, name, doc)
            return
        if DMTF + ns + ".json" not in self.store:
            self.finding(uri, f"no schema file {ns}.json for {t}")
            return
        v = jsonschema.Draft4Validator({"$ref": f"{DMTF}{ns}.json#/definitions/{name}"},
                                       resolver=self.resolver)
        for e in v.iter_errors(doc):
            path = "/".join(str(p) for p in e.absolute_path)
            self.finding(uri, f"schema {t}: at '{path}': {e.message[:300]}")
        self.validated += 1

    def message(self, where, m):
        self.messages += 1
        mid = m.get("MessageId", "")
        parts = mid.split(".")
        if len(parts) != 4:
            self.finding(where, f"MessageId {mid!r} is not Prefix.Major.Minor.Key")
            return
        reg = self.registries.get(".".join(parts[:3]))
        if not reg:
            self.finding(where, f"MessageId {mid!r}: no such registry")
            return
        entry = reg["Messages"].get(parts[3])
        if not entry:
            self.finding(where, f"MessageId {mid!r}: not in {reg['Id']}")
            return
        nargs = entry.get("NumberOfArgs", 0)
        if len(m.get("MessageArgs", [])) != nargs:
            self.finding(where, f"{mid}: {len(m.get('MessageArgs', []))} MessageArgs, "
                                f"the registry says {nargs}")
        if "Severity" in m:
            self.finding(where, f"{mid}: uses the deprecated Severity")
        if m.get("MessageSeverity") != entry.get("MessageSeverity"):
            self.finding(where, f"{mid}: MessageSeverity {m.get('MessageSeverity')!r}, the "
                                f"registry says {entry.get('MessageSeverity')!r}")

    def messages_in(self, where, doc):
        """Every message anywhere in a document: errors, ExtendedInfo, Task Messages, events."""
        if isinstance(doc, dict):
            if "MessageId" in doc:
                self.message(where, doc)
            for k, v in doc.items():
                if k != "MessageId":
                    self.messages_in(where, v)
        elif isinstance(doc, list):
            for v in doc:
                self.messages_in(where, v)

    def resource(self, uri, doc):
        """A document fetched by GET from uri: schema, identity, counts, dates, ranges."""
        self.schema(uri, doc)
        self.messages_in(uri, doc)
        canon = uri.rstrip("/")
        if canon == "/redfish/v1":
            canon += "/"
        if doc.get("@odata.id") != canon:
            self.finding(uri, f"@odata.id is {doc.get('@odata.id')!r}")
        if "Id" in doc and doc["Id"] != canon.rstrip("/").rsplit("/", 1)[-1] and \
                canon != "/redfish/v1/":
            self.finding(uri, f"Id {doc['Id']!r} is not the last segment of the URI")
        if "Members" in doc and doc.get("Members@odata.count") != len(doc["Members"]):
            self.finding(uri, "Members@odata.count does not count Members")
        for k in ("StartTime", "EndTime", "DateTime", "EventTimestamp"):
            if k in doc and not ISO_OFFSET.match(doc[k]):
                self.finding(uri, f"{k} {doc[k]!r} is not ISO 8601 with an offset")
        if "PercentComplete" in doc and not 0 <= doc["PercentComplete"] <= 100:
            self.finding(uri, f"PercentComplete {doc['PercentComplete']} outside 0..100")


def links(doc, own):
    """Every @odata.id a document points to, other than its own."""
    out = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "@odata.id" and isinstance(v, str) and v != own:
                out.append(v)
            else:
                out.extend(links(v, own))
    elif isinstance(doc, list):
        for v in doc:
            out.extend(links(v, own))
    return out
