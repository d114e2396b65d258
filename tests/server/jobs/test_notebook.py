import nbformat

from lo_server.jobs.notebook import INJECTED_TAG, inject_parameters


def test_parameters_go_after_the_tagged_cell_or_first():
    tagged = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("alpha = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("print(alpha)")])
    inject_parameters(tagged, {"alpha": 0.5, "name": "it's"})
    assert tagged.cells[2].source == "# Parameters\nalpha = 0.5\nname = \"it's\"\n"
    assert tagged.cells[2].metadata["tags"] == [INJECTED_TAG]
    plain = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    inject_parameters(plain, {"x": [1, 2]})
    assert plain.cells[0].source.endswith("x = [1, 2]\n")
    inject_parameters(plain, {})
    assert len(plain.cells) == 2
