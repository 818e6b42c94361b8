"""The 语料 page's upload flow: the library functions it uses (preview_document, save_preview,
Settings.writable_corpus_dir, start_build) and the page itself in AppTest, on a throwaway KB_HOME with
the fixture corpus and the hash embedder (never .kb-test, never ../shared)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kb.core import IngestError, Settings
from kb.corpus import load_corpus, preview_document, save_preview
from tests.apphelp import open_app

# A small regulation in plain text: 3 chapters (the second with one 节), 第五条 missing, 第二条 twice.
LAW_TXT = """示例危化品仓储安全规定
2024年3月1日 测试机关公布
第一章 总则
第一条 为了加强危险化学品仓储安全管理，防止氯气钢瓶泄漏事故，制定本规定。
第二条 本规定适用于危险化学品仓库。
第二章 仓储管理
第一节 一般规定
第三条 仓库应当设置防爆照明和可燃气体报警装置。
第四条 氯气钢瓶应当直立存放并加装防倾倒链条，每日检查瓶阀。
第六条 仓库管理人员应当每日巡查，发现泄漏立即报告。
第三章 附则
第七条 本规定自2024年5月1日起施行。
"""
LAW_TITLE = "示例危化品仓储安全规定"


@pytest.fixture
def user_settings(tmp_path, tiny_corpus, monkeypatch) -> Settings:
    """Settings whose user documents folder is part of the corpus, as the app reads them."""
    docs = tmp_path / "user_docs"
    monkeypatch.setenv("KB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KB_CORPUS", f"{tiny_corpus}:{docs}")
    monkeypatch.setenv("KB_USER_DOCS", str(docs))
    monkeypatch.setenv("KB_MODEL", "hash")
    monkeypatch.delenv("KB_MODE", raising=False)
    return Settings.from_env()


# ---- Settings: where added documents go ---------------------------------------------------------------
def test_writable_corpus_dir_is_the_user_folder_only_when_it_is_loaded(tmp_path):
    a, docs = tmp_path / "a", tmp_path / "docs"
    assert Settings.from_env({"KB_CORPUS": f"{a}:{docs}", "KB_USER_DOCS": str(docs)}).writable_corpus_dir == docs
    # a folder the corpus does not load would hide what is saved there: nothing is writable
    assert Settings.from_env({"KB_CORPUS": str(a), "KB_USER_DOCS": str(docs)}).writable_corpus_dir is None
    assert Settings(corpus_dirs=[a], home=tmp_path, model="hash").writable_corpus_dir is None
    # the defaults: ../shared/corpus and corpus/documents, the folder `kb ingest` writes to
    default = Settings.from_env({})
    assert default.writable_corpus_dir == default.user_docs and default.user_docs in default.corpus_dirs


# ---- preview_document ------------------------------------------------------------------------------
def test_preview_counts_first_last_and_numbering_problems():
    text = LAW_TXT.replace("第三条 仓库", "第二条 仓库")       # a second 第二条
    p = preview_document(text.encode("utf-8"), name="规定.txt")
    assert p.meta["title"] == LAW_TITLE and p.meta["version"] == "2024-03-01"
    assert p.meta["effective"] == "2024-05-01"
    # 3 chapters, 1 section, 6 articles (第一、二、二、四、六、七条)
    assert p.counts == {"编": 0, "章": 3, "节": 1, "条": 6}
    assert p.first.heading == "第一条" and p.first.text.startswith("为了加强危险化学品仓储安全管理")
    assert p.last.heading == "第七条" and p.last.text == "本规定自2024年5月1日起施行。"
    assert p.gaps == ["第二条之后是第四条，缺第三条", "第四条之后是第六条，缺第五条"]
    assert p.duplicates == ["第二条出现 2 次"]
    assert p.filename == f"{LAW_TITLE}@2024-03-01.md"
    # numbering problems are not repeated among the other warnings; CLI flags read as form fields
    assert not any("不连续" in w or "重复" in w for w in p.warnings)
    assert any("“制定机关”" in w for w in p.warnings) and not any("--" in w for w in p.warnings)


def test_preview_uses_the_form_values_over_the_text():
    p = preview_document(LAW_TXT.encode("utf-8"), {"issuer": "测试机关", "doc_number": "测试令第1号",
                                                    "promulgated": "2024-02-02", "status": "in_force",
                                                    "short_title": "", "doc_type": "departmental_rule"},
                         name="x.txt")
    assert (p.meta["issuer"], p.meta["doc_number"], p.meta["version"]) == ("测试机关", "测试令第1号", "2024-02-02")
    assert "issuer: \"测试机关\"" in p.markdown and "doc_type: departmental_rule" in p.markdown
    assert p.gaps == ["第四条之后是第六条，缺第五条"] and not p.duplicates


@pytest.mark.parametrize(("name", "data", "says"), [
    ("空白.txt", b"", "文件为空"),
    ("空白.txt", b"   \n\n", "没有文字内容"),
    ("旧版.doc", b"\xd0\xcf\x11\xe0 not really word", "不支持的文件类型"),
    ("随笔.txt", "今天天气很好。\n我们去公园散步。\n".encode(), "未发现条文结构"),
    ("扫描件.pdf", None, "没有文字层"),
])
def test_bad_files_are_plain_messages(name, data, says):
    if data is None:
        data = blank_pdf()
    with pytest.raises(IngestError) as exc:
        preview_document(data, name=name)
    message = str(exc.value)
    assert says in message and name in message
    assert "kb-upload-" not in message          # the temporary copy's path is never shown


def blank_pdf() -> bytes:
    """A one-page PDF with no text layer (what a scanner without OCR produces, minus the image)."""
    import io

    from pypdf import PdfWriter
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_save_preview_writes_once_and_refuses_to_replace_silently(tmp_path, tiny_corpus):
    p = preview_document(LAW_TXT.encode("utf-8"), name="规定.txt", corpus_dirs=[tiny_corpus, tmp_path])
    assert p.existing == []
    result = save_preview(p, tmp_path)
    assert result.status == "written" and result.output == tmp_path / p.filename and result.articles == 6
    assert save_preview(p, tmp_path).status == "unchanged"
    # the saved file is a corpus document the loader reads, with the gap as written
    corpus = load_corpus([tiny_corpus, tmp_path])
    doc = corpus.documents[p.key]
    assert [a.label for a in doc.articles] == ["1", "2", "3", "4", "6", "7"]
    changed = preview_document(LAW_TXT.replace("每日巡查", "每周巡查").encode("utf-8"), name="规定.txt",
                               corpus_dirs=[tmp_path])
    assert changed.existing == [tmp_path / p.filename]
    with pytest.raises(IngestError, match="已存在"):
        save_preview(changed, tmp_path)
    assert save_preview(changed, tmp_path, overwrite=True).status == "overwritten"


# ---- the background build ---------------------------------------------------------------------------
def test_start_build_reports_progress_and_a_failure_keeps_the_old_index(tiny_settings, monkeypatch):
    from kb.retrieval import build_index, current_build, load_index, start_build
    build_index(tiny_settings, progress=False)
    old = tiny_settings.index_dir.resolve()
    # a failing build: the message is kept, the old index stays live
    import kb.retrieval.index as index_module

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")
    monkeypatch.setattr(index_module, "build_index", broken)
    job = start_build(tiny_settings)
    assert job.wait(30) and not job.ok and "磁盘已满" in job.error and job.fraction == 1.0
    assert tiny_settings.index_dir.resolve() == old
    monkeypatch.undo()
    # a new document: the build embeds it (progress reaches total) and swaps the index
    (tiny_settings.corpus_dirs[0] / f"{LAW_TITLE}@2024-03-01.md").write_text(
        preview_document(LAW_TXT.encode("utf-8"), name="x.txt").markdown, encoding="utf-8")
    job = start_build(tiny_settings)
    assert current_build(tiny_settings) is job
    assert job.wait(120) and job.ok, job.error
    assert job.total > 0 and job.done == job.total
    assert tiny_settings.index_dir.resolve() != old
    assert f"{LAW_TITLE}@2024-03-01" in load_index(tiny_settings).corpus.documents


# ---- the page (AppTest) --------------------------------------------------------------------------------
def build_tiny_index(settings: Settings) -> None:
    from kb.retrieval import build_index
    build_index(settings, progress=False)


def upload(at, name: str, data: bytes, mime: str = "text/plain"):
    at.file_uploader[0].set_value((name, data, mime))
    return at.run()


def test_upload_preview_save_and_rebuild(user_settings):
    from kb.retrieval import current_build
    build_tiny_index(user_settings)
    old_index = user_settings.index_dir.resolve()
    at = open_app("corpus_page")
    assert not at.exception and not at.error
    assert not at.code or all("python -m kb" not in c.value or c.value.startswith("python -m kb ingest")
                              for c in at.code)   # the commands only inside the administrators' note
    at = upload(at, "规定.txt", LAW_TXT.encode("utf-8"))
    assert not at.exception and not at.error, [e.value for e in at.error]
    form = {w.label: w.value for w in at.text_input}
    assert form["标题"] == LAW_TITLE and form["简称"] == LAW_TITLE
    assert at.date_input[0].value.isoformat() == "2024-03-01"
    warnings = [w.value for w in at.warning]
    assert any("第四条之后是第六条，缺第五条" in w for w in warnings)
    assert [m.value for m in at.metric][-4:] == ["0", "3", "1", "6"]     # 编 章 节 条 of the upload (第五条 missing)
    at.text_input(key="corpus_issuer").set_value("测试机关").run()
    save = at.button(key="corpus_save")
    save.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = user_settings.user_docs / f"{LAW_TITLE}@2024-03-01.md"
    assert saved.is_file() and "issuer: \"测试机关\"" in saved.read_text(encoding="utf-8")
    job = current_build(user_settings)
    assert job is not None and job.wait(120) and job.ok, job.error
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert user_settings.index_dir.resolve() != old_index
    assert any("索引已更新" in s.value for s in at.success)
    assert LAW_TITLE in set(at.dataframe[0].value["标题"])          # the reloaded index lists it


def test_missing_document_title_prefills_the_catalogue_facts(user_settings):
    build_tiny_index(user_settings)
    text = LAW_TXT.replace(LAW_TITLE, "工贸企业有限空间作业安全规定").replace("2024年3月1日 测试机关公布\n", "")
    at = upload(open_app("corpus_page"), "有限空间.txt", text.encode("utf-8"))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.selectbox(key="corpus_missing").value == "工贸企业有限空间作业安全规定"
    assert at.text_input(key="corpus_doc_number").value == "应急管理部令第13号"
    assert at.text_input(key="corpus_issuer").value == "应急管理部"
    assert at.date_input(key="corpus_promulgated").value.isoformat() == "2023-11-29"
    assert at.selectbox(key="corpus_doc_type").value == "departmental_rule"


def test_bad_upload_is_an_error_box_not_a_traceback(user_settings):
    build_tiny_index(user_settings)
    at = upload(open_app("corpus_page"), "旧版.doc", b"\xd0\xcf\x11\xe0 old word", "application/msword")
    assert not at.exception
    assert at.error and "不支持的文件类型" in at.error[0].value


def test_page_says_why_it_cannot_add_when_the_user_folder_is_not_loaded(tiny_settings, tiny_corpus, monkeypatch,
                                                                          tmp_path):
    build_tiny_index(tiny_settings)
    monkeypatch.setenv("KB_HOME", str(tiny_settings.home))
    monkeypatch.setenv("KB_CORPUS", str(tiny_corpus))
    monkeypatch.setenv("KB_USER_DOCS", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("KB_MODEL", "hash")
    at = open_app("corpus_page")
    assert not at.exception and not at.error
    assert not at.file_uploader
    assert any("不允许从网页添加文件" in i.value for i in at.info)


@pytest.fixture(autouse=True)
def _no_leftover_files():
    """The project's own corpus/documents must never receive a test upload."""
    from kb.core import PROJECT_ROOT
    before = set((PROJECT_ROOT / "corpus" / "documents").glob("*.md"))
    yield
    after = set((PROJECT_ROOT / "corpus" / "documents").glob("*.md"))
    for p in after - before:
        Path(p).unlink()
    assert after == before


def test_a_failed_update_is_shown_and_the_old_index_stays(user_settings, monkeypatch):
    import kb.retrieval.index as index_module
    from kb.retrieval import current_build
    build_tiny_index(user_settings)
    old_index = user_settings.index_dir.resolve()

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")
    monkeypatch.setattr(index_module, "build_index", broken)
    at = open_app("corpus_page")
    at.button(key="corpus_rebuild").click().run()
    assert current_build(user_settings).wait(30)
    at.run()
    assert not at.exception
    assert at.error and "索引更新失败，仍在使用原来的索引" in at.error[0].value and "磁盘已满" in at.error[0].value
    assert user_settings.index_dir.resolve() == old_index
    assert len(at.dataframe[0].value) == 3            # still the fixture corpus's 3 documents
