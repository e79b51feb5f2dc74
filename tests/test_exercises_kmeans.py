"""The checkers of "K-means" accept right answers and name the fault in each known wrong one."""

import numpy as np
from checker_helpers import assert_rejected, mistakes_test, solutions_test

from mixlib.exercises.kmeans import check_assignment_step, check_distortion, check_update_step


def squared_distances(X, centers):
    return ((X[:, None, :] - centers[None]) ** 2).sum(axis=2)


def distortion(X, centers, labels):
    return np.sum((X - centers[labels]) ** 2)


def distortion_one_hot(X, centers, labels):
    return float(np.sum(np.eye(len(centers))[labels] * squared_distances(X, centers)))


def nearest(X, centers):
    return np.argmin(squared_distances(X, centers), axis=1)


def nearest_by_distance(X, centers):
    return np.argmin(np.sqrt(squared_distances(X, centers)), axis=1)


def last_of_the_nearest(X, centers):
    """Ties may go either way: take the last of the nearest centres instead of the first."""
    return len(centers) - 1 - np.argmin(squared_distances(X, centers)[:, ::-1], axis=1)


def update_centers(X, labels, K):
    return np.stack([X[labels == k].mean(axis=0) for k in range(K)])


def update_centers_one_hot(X, labels, K):
    return (np.eye(K)[labels].T @ X) / np.bincount(labels, minlength=K)[:, None]


def update_centers_in_place(X, labels, K):
    """A student's in-place edit must not leak into the next case."""
    X -= 1.0
    return update_centers(X + 1.0, labels, K)


test_accepts_correct_answers = solutions_test(
    (check_distortion, distortion),
    (check_distortion, distortion_one_hot),
    (check_assignment_step, nearest),
    (check_assignment_step, nearest_by_distance),
    (check_assignment_step, last_of_the_nearest),
    (check_update_step, update_centers),
    (check_update_step, update_centers_one_hot),
    (check_update_step, update_centers_in_place),
)


test_names_each_known_mistake = mistakes_test(check_distortion, check_assignment_step, check_update_step)


def test_nearest_centre_is_caught_where_the_labels_are_not_nearest():
    assert_rejected(
        check_distortion(lambda X, c, l: squared_distances(X, c).min(axis=1).sum()),
        "labels that are not the nearest centre",
    )


def test_assignment_reports_the_edge_case():
    def breaks_with_one_centre(X, c):
        if len(c) == 1:
            raise ValueError("need two centres")
        return nearest(X, c)

    assert_rejected(check_assignment_step(breaks_with_one_centre), "one centre (K = 1)", "ValueError")


def test_docstrings_name_the_chapter_by_its_title_not_its_number():
    """The chapters will be renumbered; a number in a docstring would then point elsewhere."""
    import re

    from mixlib.exercises import kmeans as module

    texts = [module.__doc__] + [
        f.__doc__ or ""
        for f in vars(module).values()
        if callable(f) and getattr(f, "__module__", "") == module.__name__
    ]
    assert '"K-means"' in module.__doc__
    assert not any(re.search(r"[Cc]hapter \d", text) for text in texts)
