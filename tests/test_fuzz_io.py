"""Fuzzing the model-file loader: hundreds of damaged, random and hostile files, each of
which must either load correctly or raise ``ModelFileError``; nothing in a file is ever
executed (a pickle that would write a marker file never does)."""

import io
import json
import pickle
import struct
import zipfile
import zlib

import numpy as np
import pytest
from sklearn.datasets import load_iris

import glassnet as gn
from glassnet.modelfile import META_KEY

SEED = 20240611
N_BIT_FLIPS = 160
N_TRUNCATIONS = 60
N_RANDOM = 40
N_SPLICES = 40
N_STRUCTURED = 200


class _Marker:
    """Unpickling this writes a file: the proof that a pickle was executed."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (exec, (f"open({self.path!r}, 'w').write('pwned')",))


def _npz(members: dict, compression=zipfile.ZIP_STORED) -> bytes:
    """A zip of raw .npy payloads (bytes) or arrays, written member by member."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, value in members.items():
            if isinstance(value, np.ndarray):
                b = io.BytesIO()
                np.lib.format.write_array(b, value, allow_pickle=True)
                value = b.getvalue()
            zf.writestr(name if name.endswith(".npy") else name + ".npy", value)
    return buf.getvalue()


def _meta(**over):
    net = gn.mlp([2, 3, 2], seed=0)
    meta = {
        "format": "glassnet-model",
        "format_version": 1,
        "glassnet_version": gn.__version__,
        "kind": "Sequential",
        "network": net.get_config(),
        "metadata": {},
    }
    meta.update(over)
    return meta


def _desc(meta) -> np.ndarray:
    return np.array(meta if isinstance(meta, str) else json.dumps(meta))


def _theta(n=17, dtype=np.float64):
    return np.linspace(-1, 1, n).astype(dtype)


_CACHE: dict = {}


def _hostile(marker) -> dict[str, bytes]:
    """Hand-made files, each wrong in one way (built once per marker path)."""
    key = str(marker)
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _build_hostile(marker)
    return _CACHE[key]


def _build_hostile(marker) -> dict[str, bytes]:
    evil = np.empty(1, dtype=object)
    evil[0] = _Marker(marker)
    pickled = pickle.dumps(_Marker(marker))
    huge_header = b"\x93NUMPY\x01\x00" + struct.pack("<H", 118)
    huge_header += b"{'descr': '<f8', 'fortran_order': False, 'shape': (10000000000000,), }"
    huge_header = huge_header.ljust(128, b" ")[:127] + b"\n"
    lying_header = huge_header.replace(b"10000000000000", b"1000".ljust(14))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(META_KEY + ".npy", _desc_bytes(_meta()))
        zf.writestr("theta.npy", b"\x93NUMPY\x01\x00" + b"\0" * (20 * 2**20))
    deep = "[" * 100_000 + "]" * 100_000
    unterminated = _npy_header(b"{'descr': '<f8', 'fortran_order': False, 'shape': (17, }")
    long_header = _npy_header(
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (17,), }" + b" " * 20_000
    )
    digits = json.dumps(_meta())[:-1] + ', "seed": ' + "7" * 5000 + "}"
    return {
        "pickle_file": pickled,
        "pickle_theta": _npz({META_KEY: _desc(_meta()), "theta": evil}),
        "pickle_description": _npz({META_KEY: evil, "theta": _theta()}),
        "pickle_extra_member": _npz({META_KEY: _desc(_meta()), "theta": _theta(), "x": evil}),
        "npy_file": _npy_bytes(_theta()),
        "empty": b"",
        "empty_zip": _npz({}),
        "no_description": _npz({"theta": _theta()}),
        "no_theta": _npz({META_KEY: _desc(_meta())}),
        "theta_too_short": _npz({META_KEY: _desc(_meta()), "theta": _theta(16)}),
        "theta_too_long": _npz({META_KEY: _desc(_meta()), "theta": _theta(18)}),
        "theta_2d": _npz({META_KEY: _desc(_meta()), "theta": _theta().reshape(1, 17)}),
        "theta_int": _npz({META_KEY: _desc(_meta()), "theta": np.arange(17)}),
        "theta_float32_vs_float64": _npz(
            {META_KEY: _desc(_meta()), "theta": _theta(17, np.float32)}
        ),
        "theta_nan": _npz({META_KEY: _desc(_meta()), "theta": np.full(17, np.nan)}),
        "theta_string": _npz({META_KEY: _desc(_meta()), "theta": np.array(["x"] * 17)}),
        "theta_complex": _npz({META_KEY: _desc(_meta()), "theta": _theta().astype(complex)}),
        "theta_structured": _npz(
            {META_KEY: _desc(_meta()), "theta": np.zeros(17, dtype=[("a", "<f8")])}
        ),
        "header_declares_1e13_floats": _npz({META_KEY: _desc(_meta()), "theta": huge_header}),
        "header_disagrees_with_bytes": _npz(
            {META_KEY: _desc(_meta()), "theta": lying_header + b"\0" * 64}
        ),
        "zip_bomb_20MB_of_zeros": bomb.getvalue(),
        "npy_header_unterminated_tuple": _npz(
            {META_KEY: _desc(_meta()), "theta": unterminated + _theta().tobytes()}
        ),
        "npy_header_of_20kB": _npz(
            {META_KEY: _desc(_meta()), "theta": long_header + _theta().tobytes()}
        ),
        "json_integer_of_5000_digits": _npz({META_KEY: _desc(digits), "theta": _theta()}),
        # 0s and 1s deflate about 27 times: a small file that unpacks to many times its size
        "bits_deflated_27x": _npz(
            {
                META_KEY: _desc(_meta()),
                "theta": np.random.default_rng(0).integers(0, 2, 2**19).astype(float),
            },
            zipfile.ZIP_DEFLATED,
        ),
        "central_directory_claims_4GB": _lie_about_size(
            _npz({META_KEY: _desc(_meta()), "theta": _theta()}, zipfile.ZIP_DEFLATED)
        ),
        "description_not_json": _npz({META_KEY: _desc("{not json"), "theta": _theta()}),
        "description_a_list": _npz({META_KEY: _desc("[1, 2, 3]"), "theta": _theta()}),
        "description_deeply_nested": _npz({META_KEY: _desc(deep), "theta": _theta()}),
        "description_bytes": _npz({META_KEY: np.array(b"{}"), "theta": _theta()}),
        "description_1d": _npz({META_KEY: np.array([json.dumps(_meta())]), "theta": _theta()}),
        "wrong_format": _npz({META_KEY: _desc(_meta(format="other")), "theta": _theta()}),
        "format_version_99": _npz({META_KEY: _desc(_meta(format_version=99)), "theta": _theta()}),
        "unknown_kind": _npz({META_KEY: _desc(_meta(kind="os.system")), "theta": _theta()}),
        "network_not_a_dict": _npz({META_KEY: _desc(_meta(network=[1])), "theta": _theta()}),
        "layers_not_a_list": _npz(
            {META_KEY: _desc(_meta(network={"layers": "dense"})), "theta": _theta()}
        ),
        "unknown_layer_type": _npz(
            {
                META_KEY: _desc(_meta(network={"layers": [{"type": "__import__"}]})),
                "theta": _theta(),
            }
        ),
        "absurd_dense_widths": _npz(
            {
                META_KEY: _desc(
                    _meta(network={"layers": [{"type": "dense", "n_in": 10**9, "n_out": 10**9}]})
                ),
                "theta": _theta(),
            }
        ),
        "negative_dense_width": _npz(
            {
                META_KEY: _desc(
                    _meta(network={"layers": [{"type": "dense", "n_in": -2, "n_out": -3}]})
                ),
                "theta": _theta(),
            }
        ),
        "dense_width_a_string": _npz(
            {
                META_KEY: _desc(
                    _meta(network={"layers": [{"type": "dense", "n_in": "2", "n_out": 3}]})
                ),
                "theta": _theta(),
            }
        ),
        "widths_that_do_not_chain": _npz(
            {
                META_KEY: _desc(
                    _meta(
                        network={
                            "layers": [
                                {"type": "dense", "n_in": 2, "n_out": 3},
                                {"type": "dense", "n_in": 2, "n_out": 2},
                            ]
                        }
                    )
                ),
                "theta": _theta(15),
            }
        ),
        "layer_with_unknown_argument": _npz(
            {
                META_KEY: _desc(
                    _meta(
                        network={
                            "layers": [
                                {"type": "dense", "n_in": 2, "n_out": 3, "evil": 1},
                                {"type": "tanh"},
                                {"type": "dense", "n_in": 3, "n_out": 2},
                            ]
                        }
                    )
                ),
                "theta": _theta(),
            }
        ),
        "dropout_p_5": _npz(
            {
                META_KEY: _desc(
                    _meta(
                        network={
                            "layers": [
                                {"type": "dense", "n_in": 2, "n_out": 3},
                                {"type": "dropout", "p": 5},
                                {"type": "dense", "n_in": 3, "n_out": 2},
                            ]
                        }
                    )
                ),
                "theta": _theta(),
            }
        ),
        "dtype_float16": _npz(
            {
                META_KEY: _desc(_meta(network={**_meta()["network"], "dtype": "float16"})),
                "theta": _theta(17, np.float16),
            }
        ),
        "metadata_a_list": _npz({META_KEY: _desc(_meta(metadata=[1])), "theta": _theta()}),
        "too_many_members": _npz(
            {META_KEY: _desc(_meta()), "theta": _theta(), **{f"a{i}": _theta(1) for i in range(80)}}
        ),
        "member_not_npy": _zip_raw({META_KEY + ".npy": _desc_bytes(_meta()), "evil.py": b"x"}),
        "estimator_unknown_param": _npz(
            {
                META_KEY: _desc(_meta(kind="NetClassifier", params={"evil": 1}, fitted={})),
                "theta": _theta(),
            }
        ),
        "estimator_without_params": _npz(
            {META_KEY: _desc(_meta(kind="NetRegressor")), "theta": _theta()}
        ),
        "checkpoint_without_state": _npz(
            {META_KEY: _desc(_meta(kind="Checkpoint", checkpoint={})), "theta": _theta()}
        ),
    }


def _npy_header(text: bytes) -> bytes:
    """A version 1.0 .npy header holding ``text`` as it is (well formed or not)."""
    text += b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _lie_about_size(data: bytes) -> bytes:
    """Set the uncompressed size that the central directory declares for theta to 4 GB."""
    data = bytearray(data)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == b"theta.npy":
            struct.pack_into("<I", data, at + 24, 2**32 - 1)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def _zip_raw(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _npy_bytes(arr) -> bytes:
    b = io.BytesIO()
    np.lib.format.write_array(b, arr, allow_pickle=True)
    return b.getvalue()


def _desc_bytes(meta) -> bytes:
    return _npy_bytes(_desc(meta))


def _valid_files(tmp_path) -> dict[str, bytes]:
    X, y = load_iris(return_X_y=True)
    clf = gn.NetClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    reg = gn.NetRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        reg.fit(X[:, :3], X[:, 3])
    net = gn.mlp([2, 3, 2], seed=0)
    net.metadata = {"classes": ["a", "b"]}
    ckpt = tmp_path / "ckpt.npz"
    gn.fit(
        gn.mlp([4, 3, 3], dropout=0.1, seed=0),
        gn.SoftmaxCrossEntropy(),
        X,
        y,
        optimizer=gn.Adam(),
        epochs=2,
        batch_size=50,
        seed=0,
        checkpoint=ckpt,
        verbose=0,
    )
    out = {}
    for name, obj in (("net", net), ("clf", clf), ("reg", reg)):
        out[name] = gn.save(obj, tmp_path / f"{name}.npz").read_bytes()
    out["ckpt"] = ckpt.read_bytes()
    return out


def _mutations(valid: dict[str, bytes]):
    rng = np.random.default_rng(SEED)
    names = sorted(valid)
    for i in range(N_BIT_FLIPS):
        data = bytearray(valid[names[i % len(names)]])
        for _ in range(int(rng.integers(1, 9))):
            pos = int(rng.integers(len(data)))
            data[pos] ^= 1 << int(rng.integers(8))
        yield f"bitflip{i}", bytes(data)
    for i in range(N_TRUNCATIONS):
        data = valid[names[i % len(names)]]
        yield f"truncate{i}", data[: int(rng.integers(len(data)))]
    for i in range(N_RANDOM):
        n = int(rng.integers(0, 4096))
        head = b"PK\x03\x04" if i % 2 else b""
        yield f"random{i}", head + rng.bytes(n)
    for i in range(N_SPLICES):
        # overwrite a run of bytes with random ones, or duplicate/delete a run
        data = bytearray(valid[names[i % len(names)]])
        a = int(rng.integers(len(data)))
        b = min(len(data), a + int(rng.integers(1, 64)))
        kind = i % 3
        if kind == 0:
            data[a:b] = rng.bytes(b - a)
        elif kind == 1:
            data[a:a] = data[a:b]
        else:
            del data[a:b]
        yield f"splice{i}", bytes(data)


_ODD_VALUES = [
    None,
    -1,
    0,
    1,
    10**12,
    2**70,
    -(10**9),
    1.5,
    float("nan"),
    True,
    "x",
    "",
    [],
    {},
    [1],
]


def _paths(tree, prefix=()):
    """Every (path, value) in a JSON tree."""
    yield prefix, tree
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, prefix + (i,))


def _structured_mutations(valid: dict[str, bytes], tmp_path):
    """Files whose zip is intact (right CRCs) but whose description or arrays are wrong:
    a JSON value replaced by an odd one or deleted, an array dropped, reshaped, recast,
    shortened or filled with NaN."""
    rng = np.random.default_rng(SEED + 1)
    parsed = {}
    for name, data in valid.items():
        (tmp_path / "src.npz").write_bytes(data)
        with np.load(tmp_path / "src.npz") as npz:
            arrays = {k: npz[k] for k in npz.files}
        parsed[name] = (json.loads(str(arrays.pop(META_KEY))), arrays)
    names = sorted(parsed)
    for i in range(N_STRUCTURED):
        meta, arrays = parsed[names[i % len(names)]]
        meta, arrays = json.loads(json.dumps(meta)), dict(arrays)
        if i % 3:
            paths = [p for p, _ in _paths(meta) if p]
            path = paths[int(rng.integers(len(paths)))]
            parent = meta
            for k in path[:-1]:
                parent = parent[k]
            if i % 7 == 0 and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = _ODD_VALUES[int(rng.integers(len(_ODD_VALUES)))]
        else:
            key = sorted(arrays)[int(rng.integers(len(arrays)))]
            a = arrays[key]
            how = int(rng.integers(6))
            if how == 0:
                del arrays[key]
            elif how == 1:
                arrays[key] = a.reshape(1, -1) if a.ndim == 1 else a.ravel()
            elif how == 2:
                arrays[key] = a.astype(np.float32 if a.dtype != np.float32 else np.int64)
            elif how == 3:
                arrays[key] = a[: max(0, a.size // 2)] if a.ndim == 1 else a[:0]
            elif how == 4 and a.dtype.kind == "f":
                arrays[key] = np.full_like(a, np.nan)
            else:
                arrays[key] = np.concatenate([a.ravel(), a.ravel()[:1]]) if a.size else a
        buf = io.BytesIO()
        np.savez(buf, **{META_KEY: np.array(json.dumps(meta))}, **arrays)
        yield f"structured{i}", buf.getvalue()


def _check_one(path, reference: dict):
    """Load ``path``: a correct load or ModelFileError, nothing else."""
    try:
        obj = gn.load(path)
    except gn.ModelFileError as exc:
        assert str(exc), "an empty message"
        return "error"
    # a change the loader accepted (a version note, a metadata entry, a learning curve)
    # must give a usable object of a known kind
    assert type(obj).__name__ in reference
    if isinstance(obj, gn.Sequential):
        assert np.isfinite(obj.forward(np.ones((3, obj.n_inputs), obj.dtype))).all()
    elif isinstance(obj, (gn.NetClassifier, gn.NetRegressor)):
        obj.predict(np.ones((3, obj.n_features_in_)))
    else:
        assert np.isfinite(obj.build_network().theta).all()
    return "loaded"


def test_loader_survives_hundreds_of_damaged_and_random_files(tmp_path):
    marker = tmp_path / "PWNED"
    valid = _valid_files(tmp_path)
    for data in valid.values():
        (tmp_path / "v.npz").write_bytes(data)
        gn.load(tmp_path / "v.npz")  # the originals load
    kinds = {"Sequential", "NetClassifier", "NetRegressor", "Checkpoint"}
    outcomes = {"error": 0, "loaded": 0}
    n = 0
    for name, data in _mutations(valid):
        path = tmp_path / f"{name}.npz"
        path.write_bytes(data)
        outcomes[_check_one(path, kinds)] += 1
        path.unlink()
        n += 1
    assert n == N_BIT_FLIPS + N_TRUNCATIONS + N_RANDOM + N_SPLICES == 300
    assert outcomes["error"] >= 290  # nearly every damaged file is refused
    assert not marker.exists()


def test_loader_survives_intact_zips_with_wrong_descriptions_and_arrays(tmp_path):
    valid = _valid_files(tmp_path)
    kinds = {"Sequential", "NetClassifier", "NetRegressor", "Checkpoint"}
    outcomes = {"error": 0, "loaded": 0}
    for name, data in _structured_mutations(valid, tmp_path):
        path = tmp_path / f"{name}.npz"
        path.write_bytes(data)
        outcomes[_check_one(path, kinds)] += 1
    assert sum(outcomes.values()) == N_STRUCTURED
    # some changes are harmless (a version string, a metadata note): those load
    assert outcomes["error"] >= N_STRUCTURED // 2 and outcomes["loaded"] >= 1


def test_hostile_files_raise_model_file_error_and_execute_nothing(tmp_path):
    marker = tmp_path / "PWNED"
    files = _hostile(marker)
    assert len(files) >= 40
    for name, data in files.items():
        path = tmp_path / f"{name}.npz"
        path.write_bytes(data)
        with pytest.raises(gn.ModelFileError) as exc:
            gn.load(path)
        assert str(path) in str(exc.value) or "model" in str(exc.value), name
    assert not marker.exists(), "a pickle in a model file was executed"
    # the marker pickle is real: unpickling it does write the marker
    pickle.loads(files["pickle_file"])
    assert marker.exists()


@pytest.mark.parametrize(
    "name, match",
    [
        ("pickle_file", "is a Python pickle; glassnet never loads pickles"),
        ("pickle_theta", "holds Python objects .a pickle.; glassnet never loads pickles"),
        ("npy_file", "single .npy array"),
        ("empty", "it is empty"),
        ("no_description", "no description"),
        ("theta_too_short", "implies 17 parameters but 'theta' holds 16"),
        ("theta_2d", "not a 1-D float array"),
        ("theta_float32_vs_float64", "'theta' is float32 but the description says 'float64'"),
        ("theta_nan", "NaN or inf"),
        ("header_declares_1e13_floats", r"declares shape \(10000000000000,\)"),
        ("header_disagrees_with_bytes", r"declares shape \(1000,\)"),
        ("zip_bomb_20MB_of_zeros", "zip bomb"),
        ("npy_header_unterminated_tuple", r"'theta.npy' has a malformed .npy header"),
        ("npy_header_of_20kB", r"'theta.npy' has a .npy header of 20059 bytes"),
        ("json_integer_of_5000_digits", "not valid JSON .*digits"),
        ("bits_deflated_27x", "would expand from .* to 4194432 bytes"),
        ("central_directory_claims_4GB", "would expand from .* to 4294967295 bytes"),
        ("description_not_json", "not valid JSON"),
        ("description_deeply_nested", "not valid JSON"),
        ("description_a_list", "not a JSON object"),
        ("format_version_99", "version 99"),
        ("unknown_kind", "unknown kind of model 'os.system'"),
        ("unknown_layer_type", "unknown layer type '__import__'"),
        ("absurd_dense_widths", "implies 1000000001000000000 parameters|over .* parameters"),
        ("dtype_float16", "float16"),
        ("too_many_members", "holds 82 members"),
        ("member_not_npy", "'evil.py', which is not an array"),
        ("estimator_unknown_param", r"unknown NetClassifier parameters \['evil'\]"),
        ("checkpoint_without_state", "checkpoint's network description is missing"),
    ],
)
def test_hostile_files_say_what_is_wrong(tmp_path, name, match):
    path = tmp_path / "m.npz"
    path.write_bytes(_hostile(tmp_path / "PWNED")[name])
    with pytest.raises(gn.ModelFileError, match=match):
        gn.load(path)


def test_crc_catches_a_flipped_bit_in_the_parameters(tmp_path):
    path = gn.save(gn.mlp([2, 3, 2], seed=0), tmp_path / "m.npz")
    data = bytearray(path.read_bytes())
    theta_at = data.find(np.float64(gn.mlp([2, 3, 2], seed=0).theta[0]).tobytes())
    assert theta_at > 0
    data[theta_at] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(gn.ModelFileError, match="CRC|corrupted"):
        gn.load(path)


def test_deflated_files_from_savez_compressed_still_load(tmp_path):
    net = gn.mlp([2, 3, 2], seed=0)
    meta = _meta()
    np.savez_compressed(tmp_path / "c.npz", **{META_KEY: _desc(meta)}, theta=net.theta)
    back = gn.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(back.theta, net.theta)


def test_crc_of_zlib_is_what_zipfile_checks():
    # the fuzz test relies on zipfile checking each member's CRC-32 when reading it
    assert zipfile.ZipFile.testzip and zlib.crc32(b"abc") == 891568578
