"""Status, priority and field words in the languages registers are written in besides English:
Spanish, Portuguese, French, German, Italian, Russian, Chinese, Japanese, Korean.

Only words that mean a state and nothing else in a status field, a tag or a section heading
(`**Estado:** Pendiente`, `[ERLEDIGT]`, `(已完成)`, `## Resueltos`). Other languages, or a
word a team uses its own way, go in `[registers.rules] status_words`, which wins over these.
"""

from __future__ import annotations

from syncer.model import Priority, Status

DONE = (
    # es
    "hecho", "hecha", "completado", "completada", "completados", "completadas", "terminado",
    "terminada", "resuelto", "resuelta", "resueltos", "resueltas", "solucionado",
    "solucionada", "solucionados", "cerrado", "cerrada", "finalizado", "finalizada",
    "implementado", "corregido", "listo", "descartado",
    # pt
    "feito", "feita", "concluído", "concluída", "concluido", "resolvido", "resolvida",
    "corrigido", "fechado", "pronto",
    # fr
    "fait", "faite", "terminé", "terminée", "résolu", "résolue", "corrigé", "fermé",
    "achevé", "complété", "implémenté", "abandonné",
    # de
    "erledigt", "fertig", "abgeschlossen", "behoben", "gelöst", "geschlossen", "umgesetzt",
    "implementiert", "verworfen",
    # it
    "fatto", "fatta", "completato", "completata", "risolto", "risolta", "chiuso", "chiusa",
    "terminato", "corretto", "implementato",
    # ru
    "готово", "выполнено", "сделано", "решено", "исправлено", "закрыто", "закрыт",
    "завершено", "решён", "решен", "исправлен", "выполнен",
    # zh
    "已完成", "完成", "已解决", "已解決", "已修复", "已修復", "已关闭", "已實現", "已实现",
    "已处理", "已结束",
    # ja
    "完了", "済", "済み", "解決済み", "対応済み", "修正済み", "解消済み", "実装済み",
    # ko
    "완료", "완료됨", "해결됨", "수정됨", "종료", "구현됨",
)  # fmt: skip

IN_PROGRESS = (
    "in_progress",
    # es / pt
    "en progreso", "en curso", "en proceso", "parcial", "parcialmente", "en desarrollo",
    "en revisión", "em andamento", "em progresso", "em desenvolvimento", "em revisão",
    # fr
    "en cours", "partiel", "partielle", "partiellement",
    # de
    "in arbeit", "in bearbeitung", "teilweise", "begonnen",
    # it
    "in corso", "in lavorazione", "parziale", "parzialmente", "in sviluppo",
    # ru
    "в работе", "в процессе", "частично", "выполняется",
    # zh
    "进行中", "進行中", "处理中", "處理中", "部分完成", "开发中",
    # ja
    "対応中", "作業中", "一部完了", "実装中",
    # ko
    "진행 중", "진행중", "작업 중", "작업중", "부분 완료",
)  # fmt: skip

TODO = (
    # "not done" in each language, so the "done" inside is never what is read
    "no hecho", "sin hacer", "no completado", "no resuelto", "não feito", "não concluído",
    "pas fait", "non fait", "non terminé", "non résolu", "nicht erledigt", "nicht fertig",
    "nicht behoben", "non fatto", "non completato", "non risolto", "не сделано", "не выполнено",
    "не готово", "не решено", "не исправлено", "未修复",
    # es / pt
    "pendiente", "pendientes", "abierto", "abierta", "por hacer", "sin empezar",
    "no iniciado", "bloqueado", "pendente", "aberto", "a fazer", "não iniciado",
    # fr
    "à faire", "ouvert", "ouverte", "non commencé", "en attente", "bloqué",
    # de
    "offen", "ausstehend", "nicht begonnen", "blockiert",
    # it
    "da fare", "aperto", "aperta", "in attesa", "non iniziato", "bloccato",
    # ru
    "открыт", "открыто", "открыта", "не начато", "ожидает", "заблокировано",
    # zh
    "待办", "待處理", "待处理", "未开始", "未完成", "未解决", "待解决",
    # ja
    "未着手", "未対応", "未完了", "未解決",
    # ko
    "미완료", "대기", "미해결", "시작 전",
)  # fmt: skip

STATUS_WORDS: dict[str, Status] = {
    **dict.fromkeys(DONE, Status.DONE),
    **dict.fromkeys(IN_PROGRESS, Status.IN_PROGRESS),
    **dict.fromkeys(TODO, Status.TODO),
}

PRIORITY_WORDS: dict[str, Priority] = {
    **dict.fromkeys(
        ("crítica", "crítico", "critique", "kritisch", "critica", "critico", "критический",
         "критичный", "критично", "紧急", "緊急", "긴급", "블로커"),
        Priority.CRITICAL,
    ),
    **dict.fromkeys(
        ("alta", "alto", "haute", "élevée", "hoch", "hohe", "hoher", "hohes", "высокий",
         "высокая", "高", "높음"),
        Priority.HIGH,
    ),
    **dict.fromkeys(
        ("media", "medio", "média", "moyenne", "mittel", "mittlere", "средний", "средняя", "中",
         "보통", "중간"),
        Priority.MEDIUM,
    ),
    **dict.fromkeys(
        ("baja", "bajo", "baixa", "basse", "faible", "niedrig", "niedrige", "niedriger", "bassa",
         "низкий", "низкая", "低", "낮음"),
        Priority.LOW,
    ),
}  # fmt: skip

STATUS_KEYS = frozenset(
    ("estado", "situação", "statut", "état", "etat", "stato", "zustand", "статус",
     "состояние", "状态", "狀態", "状態", "ステータス", "상태")
)  # fmt: skip
PRIORITY_KEYS = frozenset(
    ("prioridad", "prioridade", "priorité", "priorität", "priorità", "приоритет", "优先级",
     "優先級", "優先度", "우선순위", "severidad", "gravité", "schweregrad", "gravità",
     "серьёзность", "серьезность", "严重性", "重大度", "심각도")
)  # fmt: skip
ITEM_KEYS = frozenset(
    ("descripción", "descrição", "beschreibung", "descrizione", "описание", "描述", "説明",
     "설명", "problema", "problème", "проблема", "问题", "問題", "문제", "solución", "solução",
     "lösung", "soluzione", "решение", "解决方案", "対策", "해결책", "impacto", "auswirkung",
     "impatto", "влияние", "影响", "影響", "영향", "esfuerzo", "esforço", "aufwand", "sforzo",
     "工作量", "工数", "responsable", "responsável", "verantwortlich", "responsabile",
     "ответственный", "负责人", "担当", "담당자", "riesgo", "risco", "risque", "risiko",
     "rischio", "риск", "风险", "リスク", "위험")
)  # fmt: skip
"""Field names (besides status and priority) that make a heading an item."""

TITLE_COLUMNS = (
    "título", "titulo", "tarea", "tarefa", "problema", "pendiente", "titre", "tâche", "problème",
    "titel", "aufgabe", "titolo", "attività", "compito", "название", "задача", "проблема",
    "标题", "任务", "问题", "事项", "タイトル", "課題", "タスク", "問題", "件名", "제목", "작업",
    "문제", "항목",
)  # fmt: skip
"""Column names that hold an item's title."""

DESCRIPTION_COLUMNS = (
    "descripción", "descripcion", "descrição", "beschreibung", "descrizione", "описание",
    "краткое описание", "描述", "说明", "説明", "内容", "설명", "내용",
)  # fmt: skip
"""Column names that hold a title only beside an ID, status or priority column (alone, a
`| Type | Description |` table is a legend)."""

META_SECTIONS = frozenset(
    ("legend", "key", "table of contents", "contents", "toc", "index", "notes", "note",
     "summary", "overview", "statistics", "stats", "metrics", "glossary", "references",
     "links", "see also", "changelog", "how to use", "usage", "format", "template",
     "contributing", "contribution", "leyenda", "índice", "indice", "notas", "resumen",
     "estadísticas", "referencias", "plantilla", "formato", "légende", "sommaire",
     "résumé", "statistiques", "modèle", "legende", "inhalt", "inhaltsverzeichnis",
     "notizen", "zusammenfassung", "statistik", "vorlage", "legenda", "sommario", "riepilogo",
     "statistiche", "modello", "условные обозначения", "содержание", "оглавление",
     "заметки", "примечания", "сводка", "статистика", "шаблон", "формат записей",
     "图例", "目录", "备注", "说明", "摘要", "总结", "统计", "模板", "凡例", "目次", "メモ",
     "備考", "概要", "統計", "テンプレート", "범례", "목차", "메모", "요약", "통계", "템플릿",
     "table des matières", "resumo", "estatísticas", "modelo", "questions", "open questions",
    "faq", "concerns", "preguntas", "preguntas abiertas", "questions ouvertes", "fragen",
    "offene fragen", "domande", "вопросы", "質問", "질문")
)  # fmt: skip
"""Headings of sections about the document rather than work: never an item, and their lists
and tables hold none ("Legend", "Table of Contents", "Notas", "Сводка", "目录")."""

WORK_SECTIONS = frozenset(
    ("todo", "todos", "to do", "to dos", "to-do", "tasks", "backlog", "known issues",
     "open issues", "tech debt", "technical debt", "pendientes", "tareas", "por hacer",
     "deuda técnica", "pendências", "tarefas", "a fazer", "à faire", "tâches", "dette technique",
     "aufgaben", "offene punkte", "technische schulden", "cose da fare", "da fare", "attività",
     "debito tecnico", "задачи", "сделать", "технический долг", "待办", "待办事项", "任务",
     "技术债", "技术债务", "タスク", "やること", "技術的負債", "할 일", "작업", "기술 부채")
)  # fmt: skip
"""Headings of sections that are a list of work: their plain entries are items even beside
structured items elsewhere in the document."""
