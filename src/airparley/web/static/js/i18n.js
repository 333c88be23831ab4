// The desk's own words in the officer's language (the party's: en, ru, tr, ar). Messages themselves come
// from the node already rendered for the reader (rendered.text, rendered.direction).

const WORDS = {
  en: {
    hotline: "Hotline", compose: "New message", close: "Close", to: "To", urgency: "Urgency",
    routine: "routine", urgent: "urgent", safety: "safety", phrase: "Phrase", free_text: "Free text",
    send: "Send", mark_read: "Mark read", acknowledge: "Acknowledge", delivered: "delivered", read: "read",
    acknowledged: "acknowledged", from: "From", untranslated: "untranslated",
    alarm: "SAFETY CALL — ACKNOWLEDGE NOW", no_messages: "No messages.", conflicts: "Conflicts",
    cases: "Cases", notices: "Notices", file_notice: "File notice", accept: "Accept", reject: "Reject",
    propose: "Propose", counter: "Counter", escalate: "Escalate", resolve: "Resolve", open_case: "Open case",
    respond_within: "Respond within", overdue: "Deadline passed", awaiting: "Awaiting", you: "you",
    escalated: "Escalated to the senior tier", note: "Note", logout: "Log out", all_times: "All times",
    now: "Now", none_yet: "None.",
  },
  ru: {
    hotline: "Горячая линия", compose: "Новое сообщение", close: "Закрыть", to: "Кому", urgency: "Срочность",
    routine: "обычное", urgent: "срочное", safety: "безопасность", phrase: "Фраза", free_text: "Свободный текст",
    send: "Отправить", mark_read: "Прочитано", acknowledge: "Подтвердить", delivered: "доставлено",
    read: "прочитано", acknowledged: "подтверждено", from: "От", untranslated: "без перевода",
    alarm: "ВЫЗОВ ПО БЕЗОПАСНОСТИ — ПОДТВЕРДИТЕ НЕМЕДЛЕННО", no_messages: "Сообщений нет.",
    conflicts: "Конфликты", cases: "Согласования", notices: "Уведомления", file_notice: "Подать уведомление",
    accept: "Принять", reject: "Отклонить", propose: "Предложить", counter: "Встречное предложение",
    escalate: "Передать руководству", resolve: "Урегулировано", open_case: "Открыть согласование",
    respond_within: "Ответить в течение", overdue: "Срок истёк", awaiting: "Ожидается", you: "вы",
    escalated: "Передано старшему уровню", note: "Примечание", logout: "Выйти", all_times: "Всё время",
    now: "Сейчас", none_yet: "Нет.",
  },
  tr: {
    hotline: "Sıcak hat", compose: "Yeni mesaj", close: "Kapat", to: "Alıcı", urgency: "Öncelik",
    routine: "rutin", urgent: "acil", safety: "emniyet", phrase: "Kalıp ifade", free_text: "Serbest metin",
    send: "Gönder", mark_read: "Okundu", acknowledge: "Onayla", delivered: "teslim edildi", read: "okundu",
    acknowledged: "onaylandı", from: "Gönderen", untranslated: "çevrilmedi",
    alarm: "EMNİYET ÇAĞRISI — HEMEN ONAYLAYIN", no_messages: "Mesaj yok.", conflicts: "Çakışmalar",
    cases: "Müzakereler", notices: "Bildirimler", file_notice: "Bildirim gönder", accept: "Kabul et",
    reject: "Reddet", propose: "Öner", counter: "Karşı öneri", escalate: "Üst kademeye aktar",
    resolve: "Çözüldü", open_case: "Müzakere aç", respond_within: "Yanıt süresi", overdue: "Süre doldu",
    awaiting: "Beklenen", you: "siz", escalated: "Üst kademeye aktarıldı", note: "Not", logout: "Çıkış",
    all_times: "Tüm zamanlar", now: "Şimdi", none_yet: "Yok.",
  },
  ar: {
    hotline: "الخط الساخن", compose: "رسالة جديدة", close: "إغلاق", to: "إلى", urgency: "الأولوية",
    routine: "عادية", urgent: "عاجلة", safety: "سلامة", phrase: "عبارة", free_text: "نص حر", send: "إرسال",
    mark_read: "تمت القراءة", acknowledge: "تأكيد الاستلام", delivered: "تم التسليم", read: "مقروءة",
    acknowledged: "مؤكدة", from: "من", untranslated: "غير مترجمة", alarm: "نداء سلامة — أكدوا الاستلام فورًا",
    no_messages: "لا توجد رسائل.", conflicts: "التعارضات", cases: "المفاوضات", notices: "الإشعارات",
    file_notice: "تقديم إشعار", accept: "قبول", reject: "رفض", propose: "اقتراح", counter: "اقتراح مضاد",
    escalate: "رفع إلى القيادة", resolve: "تمت التسوية", open_case: "فتح مفاوضة", respond_within: "الرد خلال",
    overdue: "انقضت المهلة", awaiting: "بانتظار", you: "أنتم", escalated: "رُفعت إلى المستوى الأعلى",
    note: "ملاحظة", logout: "تسجيل الخروج", all_times: "كل الأوقات", now: "الآن", none_yet: "لا شيء.",
  },
};

let language = "en";

export function setLanguage(code) {
  language = WORDS[code] ? code : "en";
}

export function lang() {
  return language;
}

/** Writing direction of a language: Arabic is right to left. */
export function dirOf(code) {
  return code === "ar" ? "rtl" : "ltr";
}

export function t(key) {
  return (WORDS[language] && WORDS[language][key]) || WORDS.en[key] || key;
}
