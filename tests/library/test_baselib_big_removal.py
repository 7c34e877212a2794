"""A replacement that removes more than a tenth of a category's people is said in red, with its counts, and
confirming it needs the number of people removed typed in (the web and, with --yes, the command line)."""
from baselib_files import current_batch, import_confirmed, pending_batch_id, poverty_file, record_count, upload, xlsx
from factories import make_id_number, page_text
from portal.extensions import db
from portal.library.models import BatchStatus, LibraryBatch
from portal.vocab import Department

PEOPLE = [(f"扶贫{n}", make_id_number("320102", "20100315", n), "", "已脱贫") for n in range(1, 13)]  # twelve


def _library_of_twelve(client, login_as):
    login_as("department", department=Department.POVERTY)
    import_confirmed(client, "poverty", poverty_file(*PEOPLE))
    return current_batch()


def test_department_replacing_most_of_a_category_sees_a_red_warning_and_must_type_the_number(client, login_as):
    kept = _library_of_twelve(client, login_as)
    preview = upload(client, "poverty", poverty_file(*PEOPLE[:2], ("新人", make_id_number("320104", "20110101", 99),
                                                                   "", "未脱贫")))
    text = page_text(preview)
    assert preview.status_code == 200
    assert "本次导入将替换“建档立卡”的当前批次：移出 10 人，新增 1 人，当前 12 人 → 导入后 3 人" in text
    body = preview.get_data(as_text=True)
    assert body.index('class="error-box big-removal" role="alert"') < body.index("新增（前")  # at the top, in red
    assert body.count("big-removal") == 1 and "本次导入将移出 10 人，超过当前人数的十分之一：请输入将移出的人数以确认" in text
    assert 'name="removed"' in body
    batch_id = pending_batch_id(preview)

    missing = client.post(f"/library/batches/{batch_id}/confirm")
    assert missing.status_code == 200  # the preview again, with the refusal (a boosted form swaps it in)
    assert "请输入将移出的人数后再确认导入。未导入任何数据" in page_text(missing)
    assert "移出 10 人，新增 1 人，当前 12 人 → 导入后 3 人" in page_text(missing)
    wrong = client.post(f"/library/batches/{batch_id}/confirm", data={"removed": "12"})
    assert "输入的人数“12”与本次导入将移出的人数（10 人）不符，未导入任何数据" in page_text(wrong)
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    not_a_number = client.post(f"/library/batches/{batch_id}/confirm", data={"removed": "十"})
    assert "输入的人数“十”与本次导入将移出的人数（10 人）不符" in page_text(not_a_number)
    db.session.expire_all()
    assert current_batch().id == kept.id and current_batch().records == 12  # nothing changed
    assert db.session.get(LibraryBatch, batch_id).status == BatchStatus.PENDING

    done = client.post(f"/library/batches/{batch_id}/confirm", data={"removed": " １０ "})  # full-width, spaced
    assert done.status_code == 303
    assert "建档立卡数据已导入：3 人（新增 1，减少 10，变更 0）" in page_text(client.get(done.headers["Location"]))
    db.session.expire_all()
    assert current_batch().id == batch_id


def test_the_warning_stays_on_the_pending_batch_when_the_user_comes_back(client, login_as):
    _library_of_twelve(client, login_as)
    batch_id = pending_batch_id(upload(client, "poverty", poverty_file(*PEOPLE[:1])))
    for page in (client.get("/library/import/poverty"), client.get(f"/library/batches/{batch_id}")):
        assert "移出 11 人，新增 0 人，当前 12 人 → 导入后 1 人" in page_text(page)
        assert 'name="removed"' in page.get_data(as_text=True)


def test_a_small_removal_keeps_the_ordinary_confirmation(client, login_as):
    _library_of_twelve(client, login_as)
    preview = upload(client, "poverty", poverty_file(*PEOPLE[:11]))  # one of twelve: under a tenth
    body = preview.get_data(as_text=True)
    assert "新增 0 人，减少 1 人" in page_text(preview)
    assert "将替换“建档立卡”的当前批次" not in body and 'name="removed"' not in body
    assert "hx-confirm=\"确认后，这批数据将替换“建档立卡”的当前数据" in body
    assert client.post(f"/library/batches/{pending_batch_id(preview)}/confirm").status_code == 303
    db.session.expire_all()
    assert current_batch().records == 11


def test_exactly_a_tenth_is_not_a_big_removal(client, login_as):
    login_as("province")
    ten = PEOPLE[:10]
    import_confirmed(client, "poverty", poverty_file(*ten))
    preview = upload(client, "poverty", poverty_file(*ten[:9]))
    assert 'name="removed"' not in preview.get_data(as_text=True)
    assert client.post(f"/library/batches/{pending_batch_id(preview)}/confirm").status_code == 303


def test_province_is_asked_the_same(client, login_as):
    login_as("province")
    import_confirmed(client, "orphan", xlsx([["姓名", "身份证件号"], *[[name, number] for name, number, _, _ in PEOPLE]]))
    preview = upload(client, "orphan", xlsx([["姓名", "身份证件号"], [PEOPLE[0][0], PEOPLE[0][1]]]))
    assert "本次导入将替换“孤儿”的当前批次：移出 11 人，新增 0 人，当前 12 人 → 导入后 1 人" in page_text(preview)
    refused = client.post(f"/library/batches/{pending_batch_id(preview)}/confirm", data={"removed": "1"})
    assert "与本次导入将移出的人数（11 人）不符" in page_text(refused)
    assert current_batch("orphan").records == 12


def test_command_line_refuses_a_big_removal_without_yes(app, tmp_path, world):
    first, small = tmp_path / "first.xlsx", tmp_path / "small.xlsx"
    first.write_bytes(poverty_file(*PEOPLE))
    small.write_bytes(poverty_file(*PEOPLE[:2]))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-library", "--category", "建档立卡", str(first)]).exit_code == 0

    refused = runner.invoke(args=["import-library", "--category", "建档立卡", str(small)])
    assert refused.exit_code != 0
    assert ("本次导入将移出 10 人，新增 0 人，当前 12 人 → 导入后 2 人；移出超过当前人数的十分之一，未导入任何数据。"
            "请核对文件，确认无误后加 --yes 重新运行") in refused.output
    db.session.expire_all()
    assert current_batch().records == 12 and record_count() == 12  # the pending rows are gone again

    done = runner.invoke(args=["import-library", "--category", "建档立卡", "--yes", str(small)])
    assert done.exit_code == 0, done.output
    assert "导入 2 人（新增 0，减少 10，变更 0）" in done.output
    db.session.expire_all()
    assert current_batch().records == 2
