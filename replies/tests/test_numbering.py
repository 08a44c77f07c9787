import threading

import pytest
from django.db import connection

from replies import numbering
from replies.models import DocumentSeries


def test_numbers_read_like_the_official_format(department_a):
    assert numbering.take_number(department_a, 2024) == ("吉科发规划〔2024〕1号", 1)
    assert numbering.take_number(department_a, 2024) == ("吉科发规划〔2024〕2号", 2)
    assert numbering.take_number(department_a, 2025)[0] == "吉科发规划〔2025〕1号"  # a new series each year


def test_opinions_share_the_reply_series_unless_the_department_keeps_its_own(department_a):
    assert numbering.take_number(department_a, 2024) == ("吉科发规划〔2024〕1号", 1)
    opinion = numbering.take_number(department_a, 2024, kind=DocumentSeries.Kind.OPINION)
    assert opinion == ("吉科发规划〔2024〕2号", 2)
    DocumentSeries.objects.create(
        department=department_a, kind=DocumentSeries.Kind.OPINION, year=2024, pattern="吉科协〔{年份}〕{序号}号"
    )
    assert numbering.take_number(department_a, 2024, kind=DocumentSeries.Kind.OPINION) == ("吉科协〔2024〕1号", 1)
    assert numbering.take_number(department_a, 2024) == ("吉科发规划〔2024〕3号", 3)


def test_a_department_code_that_cannot_make_a_number_asks_for_a_series(department_a):
    department_a.doc_code = "吉科发（规划）"
    with pytest.raises(numbering.NumberingError, match="请先在“文号”页面为2024年新建答复文号序列"):
        numbering.take_number(department_a, 2024)


@pytest.mark.parametrize("code", ["吉科发规划〔2024〕", "吉科发[2024]", "吉科发规划2024", "吉科发规划56号", "  "])
def test_a_code_with_its_own_year_brackets_or_serial_is_refused(code):
    with pytest.raises(numbering.NumberingError):
        numbering.clean_pattern(code)


def test_a_series_never_hands_out_a_number_twice(department_a):
    numbering.take_number(department_a, 2024)
    numbering.take_number(department_a, 2024)
    series = DocumentSeries.objects.get()
    with pytest.raises(numbering.NumberingError, match="已用到2号"):
        numbering.set_next_number(series, 2)
    numbering.set_next_number(series, 56)  # numbers 3–55 were used on paper
    assert numbering.take_number(department_a, 2024)[0] == "吉科发规划〔2024〕56号"


def test_twenty_concurrent_signatures_get_twenty_consecutive_numbers(transactional_db, department_a):
    numbering.take_number(department_a, 2024)  # the series exists, as it does after the first signature
    start = threading.Barrier(20)
    taken, errors = [], []

    def sign():
        try:
            start.wait()
            taken.append(numbering.take_number(department_a, 2024)[1])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(taken) == list(range(2, 22))
