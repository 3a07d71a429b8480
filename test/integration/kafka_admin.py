"""Kafka administration for the tests, through librdkafka's admin API
(ctypes, Python's standard library): topics, ACLs and a group's committed
offsets, in one request each and without starting a JVM per call.

    admin = KafkaAdmin({"bootstrap.servers": ..., "security.protocol": ...})
    admin.create_topics(["t", "t.dlq"], partitions=1)
    admin.create_acls([AclBinding("User:u", "Read", "topic", "t")])
    admin.committed("group", "t", [0])  ->  {0: 2} (-1001: none)
    admin.close()

kafka_acls_bindings() turns the kafka-acls.sh command lines an operator
runs (README, "Kafka access rights") into the same bindings, so that a test
grants exactly what the documentation says.
"""
import ctypes
import ctypes.util
import shlex
from collections import namedtuple

AclBinding = namedtuple("AclBinding", "principal operation resource_type "
                                      "name pattern")
AclBinding.__new__.__defaults__ = ("literal",)

RESOURCE = {"topic": 2, "group": 3}
PATTERN = {"literal": 3, "prefixed": 4}
OPERATION = {"all": 2, "read": 3, "write": 4, "create": 5, "delete": 6,
             "alter": 7, "describe": 8, "idempotentwrite": 12}
ALLOW = 3
OFFSET_INVALID = -1001

_lib = ctypes.CDLL(ctypes.util.find_library("rdkafka") or "librdkafka.so.1")
_vp = ctypes.c_void_p


class _TopicPartition(ctypes.Structure):
    _fields_ = [("topic", ctypes.c_char_p), ("partition", ctypes.c_int32),
                ("offset", ctypes.c_int64), ("metadata", _vp),
                ("metadata_size", ctypes.c_size_t), ("opaque", _vp),
                ("err", ctypes.c_int), ("_private", _vp)]


class _PartitionList(ctypes.Structure):
    _fields_ = [("cnt", ctypes.c_int), ("size", ctypes.c_int),
                ("elems", ctypes.POINTER(_TopicPartition))]


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_conf_new = _fn("rd_kafka_conf_new", _vp)
_conf_set = _fn("rd_kafka_conf_set", ctypes.c_int, _vp, ctypes.c_char_p,
                ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t)
_new = _fn("rd_kafka_new", _vp, ctypes.c_int, _vp, ctypes.c_char_p,
           ctypes.c_size_t)
_destroy = _fn("rd_kafka_destroy", None, _vp)
_queue_new = _fn("rd_kafka_queue_new", _vp, _vp)
_queue_destroy = _fn("rd_kafka_queue_destroy", None, _vp)
_queue_poll = _fn("rd_kafka_queue_poll", _vp, _vp, ctypes.c_int)
_event_destroy = _fn("rd_kafka_event_destroy", None, _vp)
_event_error = _fn("rd_kafka_event_error", ctypes.c_int, _vp)
_event_error_string = _fn("rd_kafka_event_error_string", ctypes.c_char_p, _vp)
_err2str = _fn("rd_kafka_err2str", ctypes.c_char_p, ctypes.c_int)
_error_string = _fn("rd_kafka_error_string", ctypes.c_char_p, _vp)
_newtopic_new = _fn("rd_kafka_NewTopic_new", _vp, ctypes.c_char_p,
                    ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                    ctypes.c_size_t)
_newtopic_destroy = _fn("rd_kafka_NewTopic_destroy", None, _vp)
_create_topics = _fn("rd_kafka_CreateTopics", None, _vp,
                     ctypes.POINTER(_vp), ctypes.c_size_t, _vp, _vp)
_create_topics_result = _fn("rd_kafka_event_CreateTopics_result", _vp, _vp)
_create_topics_topics = _fn("rd_kafka_CreateTopics_result_topics",
                            ctypes.POINTER(_vp), _vp,
                            ctypes.POINTER(ctypes.c_size_t))
_topic_result_error = _fn("rd_kafka_topic_result_error", ctypes.c_int, _vp)
_topic_result_error_string = _fn("rd_kafka_topic_result_error_string",
                                 ctypes.c_char_p, _vp)
_binding_new = _fn("rd_kafka_AclBinding_new", _vp, ctypes.c_int,
                   ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                   ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                   ctypes.c_char_p, ctypes.c_size_t)
_binding_destroy = _fn("rd_kafka_AclBinding_destroy", None, _vp)
_create_acls = _fn("rd_kafka_CreateAcls", None, _vp, ctypes.POINTER(_vp),
                   ctypes.c_size_t, _vp, _vp)
_create_acls_result = _fn("rd_kafka_event_CreateAcls_result", _vp, _vp)
_create_acls_acls = _fn("rd_kafka_CreateAcls_result_acls",
                        ctypes.POINTER(_vp), _vp,
                        ctypes.POINTER(ctypes.c_size_t))
_acl_result_error = _fn("rd_kafka_acl_result_error", _vp, _vp)
_list_new = _fn("rd_kafka_topic_partition_list_new",
                ctypes.POINTER(_PartitionList), ctypes.c_int)
_list_add = _fn("rd_kafka_topic_partition_list_add", _vp,
                ctypes.POINTER(_PartitionList), ctypes.c_char_p,
                ctypes.c_int32)
_list_destroy = _fn("rd_kafka_topic_partition_list_destroy", None,
                    ctypes.POINTER(_PartitionList))
_committed = _fn("rd_kafka_committed", ctypes.c_int, _vp,
                 ctypes.POINTER(_PartitionList), ctypes.c_int)


def _s(b):
    return b.decode(errors="replace") if b else ""


def _client(kind, props):
    conf = _conf_new()
    err = ctypes.create_string_buffer(512)
    for k, v in props.items():
        if _conf_set(conf, k.encode(), str(v).encode(), err, 512) != 0:
            raise ValueError("%s: %s" % (k, _s(err.value)))
    rk = _new(kind, conf, err, 512)
    if not rk:
        raise RuntimeError(_s(err.value))
    return rk


class KafkaAdmin:
    """An admin client with the librdkafka settings props."""

    def __init__(self, props):
        self.props = dict(props)
        self.rk = _client(0, self.props)
        self.q = _queue_new(self.rk)

    def close(self):
        if self.rk:
            _queue_destroy(self.q)
            _destroy(self.rk)
            self.rk = None

    def _wait(self, timeout_s=30):
        ev = _queue_poll(self.q, int(timeout_s * 1000))
        if not ev:
            raise TimeoutError("no admin result within %s s" % timeout_s)
        if _event_error(ev):
            msg = _s(_event_error_string(ev))
            _event_destroy(ev)
            raise RuntimeError(msg)
        return ev

    def create_topics(self, topics, partitions=1):
        """Creates topics (an existing one is an error)."""
        err = ctypes.create_string_buffer(512)
        nts = [_newtopic_new(t.encode(), partitions, 1, err, 512)
               for t in topics]
        arr = (_vp * len(nts))(*nts)
        _create_topics(self.rk, arr, len(nts), None, self.q)
        for nt in nts:
            _newtopic_destroy(nt)
        ev = self._wait()
        try:
            n = ctypes.c_size_t()
            res = _create_topics_topics(_create_topics_result(ev),
                                        ctypes.byref(n))
            for i in range(n.value):
                if _topic_result_error(res[i]):
                    raise RuntimeError(_s(_topic_result_error_string(res[i])))
        finally:
            _event_destroy(ev)

    def create_acls(self, bindings):
        """Allows each AclBinding, from any host."""
        err = ctypes.create_string_buffer(512)
        objs = []
        for b in bindings:
            o = _binding_new(RESOURCE[b.resource_type], b.name.encode(),
                             PATTERN[b.pattern], b.principal.encode(), b"*",
                             OPERATION[b.operation.lower()], ALLOW, err, 512)
            if not o:
                raise ValueError("%s: %s" % (b, _s(err.value)))
            objs.append(o)
        arr = (_vp * len(objs))(*objs)
        _create_acls(self.rk, arr, len(objs), None, self.q)
        for o in objs:
            _binding_destroy(o)
        ev = self._wait()
        try:
            n = ctypes.c_size_t()
            res = _create_acls_acls(_create_acls_result(ev), ctypes.byref(n))
            for i in range(n.value):
                e = _acl_result_error(res[i])
                if e:
                    raise RuntimeError(_s(_error_string(e)))
        finally:
            _event_destroy(ev)

    def committed(self, group, topic, partitions=(0,)):
        """{partition: the group's committed offset} (OFFSET_INVALID:
        none)."""
        rk = _client(1, dict(self.props, **{"group.id": group}))
        lst = _list_new(len(partitions))
        try:
            for p in partitions:
                _list_add(lst, topic.encode(), p)
            err = _committed(rk, lst, 10000)
            if err:
                raise RuntimeError(_s(_err2str(err)))
            return {lst.contents.elems[i].partition:
                    lst.contents.elems[i].offset
                    for i in range(lst.contents.cnt)}
        finally:
            _list_destroy(lst)
            _destroy(rk)


def kafka_acls_bindings(text, **values):
    """The ACLs the kafka-acls.sh command lines in text add (lines with
    --add; a trailing backslash continues a line), with $NAME and ${NAME}
    replaced by values[NAME]. Each command gives every --operation on every
    --topic and --group to every --allow-principal, as kafka-acls.sh does."""
    joined = text.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        if not line.strip().startswith("kafka-acls.sh") or "--add" not in line:
            continue
        words = shlex.split(line, comments=True)
        words = [_subst(w, values) for w in words]
        principals, ops, resources, pattern = [], [], [], "literal"
        for opt, arg in zip(words, words[1:]):
            if opt == "--allow-principal":
                principals.append(arg)
            elif opt == "--operation":
                ops.append(arg)
            elif opt in ("--topic", "--group"):
                resources.append((opt[2:], arg))
            elif opt == "--resource-pattern-type":
                pattern = arg.lower()
        out += [AclBinding(p, o, rt, name, pattern) for p in principals
                for o in ops for rt, name in resources]
    return out


def _subst(word, values):
    # The longest names first: $PROGRAM is not $P followed by ROGRAM.
    for k, v in sorted(values.items(), key=lambda kv: -len(kv[0])):
        word = word.replace("${%s}" % k, v).replace("$" + k, v)
    return word
