import re

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

import pipelines
from classifiers import Augment
from benchmarks.data.digits import load_digits
from pipelines.parts import MLP_PIXELS_EPOCHS
from pipelines.reference import skimage_hog_hue

ALL = pipelines.available()


def test_every_family_and_reference_row_is_listed():
    ours = {"pixels/svm", "pixels/softmax", "pixels/mlp", "color/svm", "hog/svm",
            "hog+color/svm", "hog+color/softmax", "hog+color/mlp", "bovw/svm",
            "bovw/softmax", "bovw/mlp", "all/svm", "all/softmax", "all/mlp", "pixels/knn",
            "pixels/cnn"}
    refs = {"ref:pixels/linearsvc", "ref:pixels/logreg", "ref:pixels/mlp",
            "ref:hog+color/linearsvc", "ref:hog+color/logreg", "ref:hog+color/mlp",
            "ref:pixels/knn", "ref:pixels/cnn"}
    assert set(ALL) == ours | refs
    assert all(pipelines.get_spec(n).reference for n in refs)


@pytest.mark.parametrize("name", ALL)
def test_make_builds_three_steps_and_search_space_applies(name):
    pipe = pipelines.make(name, random_state=3)
    assert isinstance(pipe, Pipeline)
    assert [s for s, _ in pipe.steps] == ["features", "scale", "clf"]
    for key, values in pipelines.search_space(name).items():
        pipe.set_params(**{key: values[0]})  # every grid key is a real parameter


@pytest.mark.parametrize("name", [n for n in ALL if pipelines.get_spec(n).tuned])
def test_search_space_holds_the_rows_own_setting(name):
    # A search must be able to keep what the row does without one.
    own = pipelines.make(name).get_params()
    for key, values in pipelines.search_space(name).items():
        assert own[key] in values
        assert values == sorted(values) and len(set(values)) == len(values)


def test_search_space_adds_a_setting_missing_from_the_kinds_grid():
    assert pipelines.get_spec("pixels/mlp").search == {"clf__alpha": [1e-4, 1e-3, 1e-2]}
    assert pipelines.search_space("pixels/mlp") == {"clf__alpha": [0.0, 1e-4, 1e-3, 1e-2]}


@pytest.fixture(scope="module")
def digits_small():
    ds = load_digits()
    return ds.X_train[:300], ds.y_train[:300], ds.X_test, ds.y_test


@pytest.mark.parametrize("name", ALL)
def test_every_pipeline_runs_on_8x8_digits(name, digits_small):
    if name in pipelines.NEEDS_TORCH:
        pytest.importorskip("torch", reason="PyTorch (an optional extra) is not installed")
    X, y, X_test, y_test = digits_small
    pipe = pipelines.make(name, image_shape=X.shape[1:], random_state=0)
    if "bovw" in name or name.startswith("all/"):
        pipe.set_params(**{("features__n_words" if "bovw" in name
                            else "features__bagofvisualwords__n_words"): 50})
    spec = pipelines.get_spec(name)
    if spec.augments_in_batches and spec.classifier not in ("linearsvc", "logreg", "skmlp"):
        # Enough on 8x8 digits, and fast; the scikit-learn references keep their
        # epochs: Adam takes two steps an epoch on 300 images.
        pipe.set_params(clf__max_epochs=10)
    acc = pipe.fit(X, y).score(X_test, y_test)
    # Ten classes: chance is 0.1. An intensity histogram alone is weak on digits.
    assert acc > (0.2 if name == "color/svm" else 0.5)


def test_our_default_hog_color_features_equal_the_reference_features(cifar10):
    from sklearn.pipeline import make_union

    from features import HOG, ColorHistogram

    X = cifar10.X_test[:40]
    ours = make_union(HOG(), ColorHistogram()).fit(X).transform(X)
    ref = skimage_hog_hue(X)
    np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_gray_images_get_an_intensity_histogram():
    color = pipelines.make("color/svm", image_shape=(8, 8)).named_steps["features"]
    assert color.channels == (2,)
    assert pipelines.make("color/svm").named_steps["features"].channels == (0, 1, 2)


def test_hog_pipelines_use_the_validated_hog_settings():
    hog = pipelines.make("hog/svm").named_steps["features"]
    assert (hog.color, hog.block_norm, hog.transform_sqrt) == ("dominant", "L1-sqrt", True)
    assert hog.pixels_per_cell == (8, 8)
    union = pipelines.make("hog+color/svm").named_steps["features"]
    assert union.fit_transform(np.zeros((1, 32, 32, 3), np.uint8)).shape == (1, 324 + 30)


def test_bovw_pipelines_pool_square_roots_over_the_image_and_its_quadrants():
    bovw = pipelines.make("bovw/svm").named_steps["features"]
    assert (bovw.pooling, bovw.power, bovw.encoding) == ("pyramid", 0.5, "triangle")
    union = pipelines.make("all/svm").named_steps["features"]
    assert union.get_params()["bagofvisualwords__power"] == 0.5
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (20, 32, 32, 3)).astype(np.uint8)
    out = bovw.set_params(n_words=10).fit(X).transform(X)
    assert out.shape == (20, 5 * 10)
    # Square roots of the sums: the whole image's entry is the root of the
    # sum of the squares of its four quadrants' entries.
    whole, quads = out[:, :10], out[:, 10:].reshape(20, 4, 10)
    np.testing.assert_allclose(whole, np.sqrt((quads ** 2).sum(axis=1)), rtol=1e-4)


def test_only_the_pixel_svm_averages_its_iterates():
    assert pipelines.make("pixels/svm").named_steps["clf"].average is True
    for name in ("hog+color/svm", "bovw/svm", "all/svm", "pixels/softmax"):
        assert pipelines.make(name).named_steps["clf"].average is False


def test_every_svm_pipeline_trains_one_vs_rest_squared_hinge():
    names = [n for n in pipelines.available() if n.endswith("/svm") and not n.startswith("ref:")]
    assert len(names) == 6
    for name in names:
        clf = pipelines.make(name).named_steps["clf"]
        assert (clf.multi_class, clf.loss) == ("ovr", "squared_hinge"), name


def test_only_the_pixel_softmax_trains_on_batches_of_50():
    assert pipelines.make("pixels/softmax").named_steps["clf"].batch_size == 50
    for name in ("hog+color/softmax", "bovw/softmax", "all/softmax", "pixels/svm"):
        assert pipelines.make(name).named_steps["clf"].batch_size == 200


def test_every_mlp_has_512_hidden_units():
    # 1024 units on raw pixels cost twice the time of 512, which the default
    # run cannot afford.
    for name in ("pixels/mlp", "hog+color/mlp", "all/mlp"):
        assert pipelines.make(name).named_steps["clf"].hidden_layer_sizes == (512,)
    assert pipelines.make("pixels/mlp").named_steps["clf"].max_epochs == MLP_PIXELS_EPOCHS
    assert pipelines.make("hog+color/mlp").named_steps["clf"].max_epochs == 60


@pytest.mark.parametrize("name", ["hog+color/mlp", "bovw/mlp", "all/mlp"])
def test_feature_mlps_anneal_over_every_epoch(name):
    clf = pipelines.make(name).named_steps["clf"]
    assert clf.lr_schedule == "onecycle_cosine"
    # The loss stop would end the cycle before its rate has come down.
    assert clf.n_iter_no_change >= clf.max_epochs


def test_the_pixel_mlp_keeps_a_constant_rate_and_its_loss_stop():
    clf = pipelines.make("pixels/mlp").named_steps["clf"]
    assert clf.lr_schedule == "constant" and clf.n_iter_no_change < clf.max_epochs


@pytest.mark.parametrize("pattern,expected", [
    ("hog+color/*", ["hog+color/svm", "hog+color/softmax", "hog+color/mlp"]),
    ("ref:pixels/*,pixels/svm", ["ref:pixels/linearsvc", "ref:pixels/logreg",
                                 "ref:pixels/mlp", "ref:pixels/knn"]
     + ["ref:pixels/cnn"] * pipelines.registry._HAS_TORCH + ["pixels/svm"]),
    (["quick", "pixels/svm"], pipelines.PRESETS["quick"]),
    ("curve", ["hog+color/mlp", "bovw/svm", "all/svm", "all/mlp", "pixels/mlp",
               "pixels/knn", "pixels/cnn"]),
])
def test_select_globs_and_presets(pattern, expected):
    assert pipelines.select(pattern) == expected


def test_select_unknown_name_lists_the_names():
    with pytest.raises(ValueError, match=r"unknown pipeline 'hog/knn'; available: pixels/svm"):
        pipelines.select("hog/knn")


def test_make_unknown_parameter():
    with pytest.raises(ValueError, match="Invalid parameter"):
        pipelines.make("pixels/svm", clf__nope=1)


def test_default_preset_covers_every_family_and_two_references():
    specs = [pipelines.get_spec(n) for n in pipelines.PRESETS["default"]]
    assert {s.features for s in specs} == {"pixels", "color", "hog", "hog+color", "bovw", "all",
                                          "images"}
    assert sum(s.reference for s in specs) == 2


def test_torch_rows_are_refused_by_name_without_torch(monkeypatch):
    monkeypatch.setattr(pipelines.registry, "_HAS_TORCH", False)
    with pytest.raises(ValueError, match=r"ref:pixels/cnn needs PyTorch.*pip install"):
        pipelines.select("ref:pixels/cnn")
    assert "ref:pixels/cnn" not in pipelines.select("ref:*")
    assert "ref:pixels/cnn" not in pipelines.select("all") + pipelines.select("reference")


@pytest.mark.parametrize("name", ["hog+color/svm", "bovw/softmax", "pixels/knn",
                                  "ref:pixels/knn", "ref:hog+color/logreg"])
def test_make_refuses_batch_augmentation_for_rows_without_batches(name):
    with pytest.raises(ValueError, match=r"augment='hflip': " + re.escape(name)
                       + r" does not draw augmentation per mini-batch .*pass 'none'"):
        pipelines.make(name, augment="hflip")
    pipelines.make(name, augment="none")  # nothing to draw: accepted


@pytest.mark.parametrize("name", pipelines.available())
def test_spec_decides_caching_and_auto_augmentation_by_its_input(name):
    # One place decides: raw-pixel rows (ours and the references) are not
    # cached and get shifts as well as mirrors under "auto", drawn per
    # mini-batch; feature rows are cached and get mirror copies; kNN rows get
    # no augmentation (each copy costs prediction time) and have no batches.
    spec = pipelines.get_spec(name)
    raw = spec.features in ("pixels", "images")
    assert spec.learned is raw
    assert spec.cache_features is (not raw)
    knn = spec.classifier in ("knn", "skknn")
    assert spec.auto_augment == ("none" if knn else "hflip+shift" if raw else "hflip")
    assert spec.augments_in_batches is (raw and not knn)


def test_one_core_rows_are_the_linear_models_on_features_without_a_vocabulary():
    one_core = [name for name in pipelines.available() if pipelines.get_spec(name).one_core]
    assert one_core == ["pixels/svm", "pixels/softmax", "color/svm", "hog/svm",
                        "hog+color/svm", "hog+color/softmax", "ref:pixels/linearsvc",
                        "ref:pixels/logreg", "ref:hog+color/linearsvc",
                        "ref:hog+color/logreg"]


BATCH_ROWS = [n for n in ALL if pipelines.get_spec(n).augments_in_batches
              and pipelines.get_spec(n).features == "pixels"]


def test_every_raw_pixel_learner_but_knn_draws_per_batch():
    assert BATCH_ROWS == ["pixels/svm", "pixels/softmax", "pixels/mlp", "ref:pixels/linearsvc",
                          "ref:pixels/logreg", "ref:pixels/mlp"]


@pytest.mark.parametrize("name", BATCH_ROWS)
@pytest.mark.parametrize("image_shape", [(32, 32, 3), (8, 8)])
def test_raw_pixel_classifiers_receive_the_augmentation(name, image_shape):
    clf = pipelines.make(name, image_shape=image_shape, augment=Augment(hflip=True, shift=1),
                         random_state=5).named_steps["clf"]
    assert (clf.augment, clf.shift, clf.image_shape, clf.random_state) == (
        "hflip+shift", 1, image_shape, 5)
    for none in (None, "none", Augment()):
        assert pipelines.make(name, augment=none).named_steps["clf"].augment == "none"


@pytest.mark.parametrize("image_shape, shift", [((32, 32, 3), 2), ((8, 8), 1)])
def test_a_named_augmentation_shifts_by_the_default_of_the_images(image_shape, shift):
    clf = pipelines.make("pixels/mlp", image_shape=image_shape,
                         augment="shift").named_steps["clf"]
    assert (clf.augment, clf.shift) == ("shift", shift)


@pytest.mark.parametrize("name", ["pixels/cnn"])
def test_the_convnet_receives_the_augmentation(name):
    clf = pipelines.make(name, augment=Augment(shift=3)).named_steps["clf"]
    assert (clf.augment, clf.shift) == ("shift", 3)


@pytest.mark.parametrize("name", ["hog+color/svm", "hog+color/softmax", "all/mlp"])
def test_feature_classifiers_augment_nothing(name):
    assert pipelines.make(name).named_steps["clf"].augment == "none"


def test_raw_pixel_references_fit_scikit_learn_by_partial_fit():
    from sklearn.linear_model import SGDClassifier
    from sklearn.neural_network import MLPClassifier as SkMLP

    from pipelines.reference import PartialFitAugmented

    clfs = {n: pipelines.make(n).named_steps["clf"] for n in
            ("ref:pixels/linearsvc", "ref:pixels/logreg", "ref:pixels/mlp")}
    assert all(isinstance(c, PartialFitAugmented) for c in clfs.values())
    svc, logreg, mlp = (c.estimator for c in clfs.values())
    # LinearSVC's model: one-vs-rest squared hinge with an L2 penalty.
    assert isinstance(svc, SGDClassifier) and (svc.loss, svc.penalty) == ("squared_hinge", "l2")
    # LogisticRegression's multinomial model: softmax on the pixels, no hidden layer.
    assert isinstance(logreg, SkMLP) and logreg.hidden_layer_sizes == ()
    assert isinstance(mlp, SkMLP) and mlp.hidden_layer_sizes == (500,)
