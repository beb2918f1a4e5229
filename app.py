"""relufast: the lecture's figures on spurious local minima of ReLU networks, one page each.

Run from the repository root (after ``pip install -e .`` or ``pip install -r requirements.txt``)::

    streamlit run app.py

Every page opens on reference results shipped in ``relufast/data/reference`` (made by
``scripts/make_reference.py``) and can recompute live. The pages hold no math: they call
``relufast.experiments`` and chart what it returns. Each page file defines ``main()`` (the page's
body) and calls it when Streamlit runs the file as a page (``__name__ == "__main__"``), so importing
a page module (e.g. to test its chart builders) runs nothing.

Every page answers at its own URL (``/five_points``, ``/engine``, ...). Streamlit serves its default
page at ``/`` only, so the default page is a hidden one that forwards to the first page: a link to
``/five_points`` opens the page, not a "Page not found" dialog.
"""

import streamlit as st

st.set_page_config(
    page_title="relufast: spurious local minima", page_icon=":material/scatter_plot:", layout="wide"
)

PAGES = [
    st.Page(
        "app_pages/five_points.py",
        title="Five points",
        icon=":material/timeline:",
        url_path="five_points",
    ),
    st.Page(
        "app_pages/blind_spot.py", title="Blind spot", icon=":material/visibility_off:", url_path="blind_spot"
    ),
    st.Page(
        "app_pages/initialisation.py",
        title="Initialisation",
        icon=":material/grid_view:",
        url_path="initialisation",
    ),
    st.Page(
        "app_pages/teacher_student.py",
        title="Teacher-student",
        icon=":material/school:",
        url_path="teacher_student",
    ),
    st.Page(
        "app_pages/more_minima.py",
        title="More local minima",
        icon=":material/stacked_line_chart:",
        url_path="more_minima",
    ),
    st.Page(
        "app_pages/convergence.py",
        title="XOR and jellyfish",
        icon=":material/grid_4x4:",
        url_path="convergence",
    ),
    st.Page("app_pages/engine.py", title="Engine", icon=":material/memory:", url_path="engine"),
]


def home() -> None:
    """The app's root URL ``/``: forward to the first page (at its own URL)."""
    st.switch_page(PAGES[0])


st.navigation([st.Page(home, title="relufast", default=True, visibility="hidden"), *PAGES]).run()
