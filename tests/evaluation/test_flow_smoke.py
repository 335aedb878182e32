from marketplace.evaluation import services as evaluation

from .. import factories


def test_whole_flow(db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, {0: 3, 1: 4})
    rows = evaluation.ranking(ev.lot)
    assert [r.rank for r in rows] == [1, 2]
    decision = evaluation.decide(ev.lot, bid=rows[0].bid, reasons="Highest score", actor=ev.commissioner)
    assert decision.is_effective
    assert len(evaluation.summaries_for(rows[0].bid)) == 1
    print(rows[0].total_2dp, rows[1].total_2dp, evaluation.summaries_for(rows[1].bid)[0].content)
