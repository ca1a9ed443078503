"""Library files as reference managers export them: BibTeX (Zotero, Mendeley, Google Scholar, arXiv), RIS, Zotero CSV."""

import pytest

from agent.config import load_profile
from tools.library import LibraryError, read_library, read_library_file

ZOTERO_BIB = """@article{kerbl_3d_2023,
	title = {{3D} {Gaussian} {Splatting} for {Real}-{Time} {Radiance} {Field} {Rendering}},
	volume = {42},
	url = {http://arxiv.org/abs/2308.04079},
	doi = {10.1145/3592433},
	abstract = {Radiance Field methods have recently revolutionized novel-view synthesis.},
	journal = {ACM Transactions on Graphics},
	author = {Kerbl, Bernhard and Kopanas, Georgios},
	year = {2023},
	note = {arXiv:2308.04079 [cs]},
}
"""

SCHOLAR_BIB = """@inproceedings{mildenhall2020nerf,
  title={Nerf: Representing scenes as neural radiance fields for view synthesis},
  author={Mildenhall, Ben and Srinivasan, Pratul P},
  booktitle={ECCV},
  year={2020}
}

@misc{chen2024,
  title = {Efficient {LLM} inference},
  eprint = {2401.00001v2},
  archivePrefix = {arXiv},
}
"""

RIS = """TY  - JOUR
TI  - Mip-NeRF 360: Unbounded Anti-Aliased Neural Radiance Fields
AU  - Barron, Jonathan T.
AB  - Though neural radiance fields have demonstrated impressive results...
UR  - https://arxiv.org/abs/2111.12077
PY  - 2022
ER  -

TY  - CONF
TI  - Instant Neural Graphics Primitives
DO  - 10.1145/3528223.3530127
ER  -
"""

RIS = RIS.replace("ER  -\n", "ER  - \n")  # exports end each record with "ER  - " (a trailing space)

ZOTERO_CSV = '''"Key","Item Type","Publication Year","Author","Title","Publication Title","ISBN","ISSN","DOI","Url","Abstract Note","Extra"
"ABCD1234","preprint","2023","Kerbl, Bernhard","3D Gaussian Splatting for Real-Time Radiance Field Rendering","","","","10.48550/arXiv.2308.04079","http://arxiv.org/abs/2308.04079","Radiance Field methods have recently revolutionized novel-view synthesis.","arXiv:2308.04079 [cs]"
"EFGH5678","journalArticle","2022","Müller, Thomas","Instant Neural Graphics Primitives with a Multiresolution Hash Encoding","ACM TOG","","","10.1145/3528223.3530127","","",""
'''


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_zotero_bibtex_keeps_title_abstract_and_arxiv_id(tmp_path):
    [paper] = read_library_file(write(tmp_path, "zotero.bib", ZOTERO_BIB))
    assert paper.title == "3D Gaussian Splatting for Real-Time Radiance Field Rendering"  # case braces removed
    assert paper.abstract.startswith("Radiance Field methods")
    assert paper.arxiv_id == "2308.04079" and paper.doi == "10.1145/3592433"
    assert paper.source.endswith("zotero.bib:1")


def test_google_scholar_entries_without_abstract_count_by_title(tmp_path):
    nerf, llm = read_library_file(write(tmp_path, "scholar.bib", SCHOLAR_BIB))
    assert nerf.title.startswith("Nerf: Representing scenes") and nerf.abstract == "" and nerf.arxiv_id is None
    assert nerf.text == "Nerf: Representing scenes as neural radiance fields for view synthesis."
    assert llm.arxiv_id == "2401.00001"  # the version is not part of the paper's identity


def test_ris_and_zotero_csv(tmp_path):
    mip, ngp = read_library_file(write(tmp_path, "lib.ris", RIS))
    assert mip.arxiv_id == "2111.12077" and "neural radiance fields" in mip.abstract
    assert ngp.doi == "10.1145/3528223.3530127" and ngp.arxiv_id is None
    gs, ngp_csv = read_library_file(write(tmp_path, "zotero.csv", ZOTERO_CSV))
    assert gs.arxiv_id == "2308.04079" and gs.abstract.startswith("Radiance Field")
    assert ngp_csv.title.startswith("Instant Neural Graphics") and ngp_csv.source.endswith("zotero.csv:3")


def test_one_paper_in_several_files_counts_once(tmp_path):
    papers = read_library([write(tmp_path, "a.bib", ZOTERO_BIB), write(tmp_path, "b.csv", ZOTERO_CSV), write(tmp_path, "c.ris", RIS)])
    titles = [p.title for p in papers]
    assert len(titles) == 3  # Gaussian splatting (bib = csv by arXiv id), Mip-NeRF 360, Instant NGP (csv = ris by DOI)


@pytest.mark.parametrize("name, text, where", [
    ("broken.bib", ZOTERO_BIB + "\n@article{broken,\n  title = {Unclosed\n  year = 2020\n}\n@misc{next, title={Next}}\n", "broken.bib:13"),
    ("broken.ris", "TY  - JOUR\nTI  - A title\nthis line is not RIS\nER  - \n", "broken.ris:3"),
    ("broken.csv", "Name,Year\nx,2020\n", "broken.csv:1"),
    ("notes.txt", "whatever", "unknown library format"),
])
def test_a_broken_file_is_one_line_naming_file_and_line(tmp_path, name, text, where):
    with pytest.raises(LibraryError) as exc:
        read_library_file(write(tmp_path, name, text))
    message = str(exc.value)
    assert where in message and "\n" not in message


def test_profile_library_paths_are_relative_to_the_profile_and_missing_files_say_so(tmp_path):
    (tmp_path / "group").mkdir()
    write(tmp_path / "group", "papers.bib", ZOTERO_BIB)
    profile_path = write(tmp_path / "group", "p.toml", 'name = "g"\ncategories = ["cs.CV"]\nkeywords = ["splatting"]\nlibrary = ["papers.bib", "gone.ris"]\n')
    profile = load_profile(profile_path)
    assert profile.library[0] == tmp_path / "group" / "papers.bib"
    assert len(read_library_file(profile.library[0])) == 1
    with pytest.raises(LibraryError, match="gone.ris: library file not found"):
        read_library(profile.library)


def test_run_with_a_broken_library_stops_with_one_line_before_fetching_anything(tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    write(tmp_path, "papers.bib", "@article{a,\n  title = {Broken\n  year = 2020\n}\n@misc{b, title={B}}\n")
    profile = write(tmp_path, "p.toml", 'name = "g"\ncategories = ["cs.CV"]\nkeywords = ["splatting"]\nlibrary = ["papers.bib"]\n')
    result = subprocess.run([sys.executable, "-c", "from agent.cli import main; main()", "run", "-p", str(profile),
                             "--offline-dir", str(REPO / "evals/datasets/days/2025-10-24")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {tmp_path / 'papers.bib'}:1: Unexpected block start: `@misc`. Was still looking for field-value closing `,` or `}}`")
    assert "Traceback" not in result.stderr and "WARNING" not in result.stderr
    assert not (tmp_path / ".arxiv-monitor" / "ledger.sqlite").exists()
