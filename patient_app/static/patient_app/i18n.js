// Interface text in English and Spanish. Question wording lives next to each question
// (questions.js). The language is the patient's choice in Settings, kept on this device.
const TEXT = {
  en: {
    signIn: "Sign in", signInTitle: "Sign in", username: "Username", password: "Password",
    activate: "Activate your account", activateTitle: "Activate your account",
    activationCode: "Activation code from your care team", chooseUsername: "Choose a username",
    choosePassword: "Choose a password", haveCode: "I have an activation code",
    haveAccount: "I already have an account", today: "Today", checkIn: "Check-in",
    checklist: "Checklist", milestones: "Milestones", questionnaires: "Questionnaires",
    inbox: "Inbox", settings: "Settings", signOut: "Sign out", more: "More",
    dayAfterSurgery: "Day {n} after surgery", checkInDue: "Your check-in is due today.",
    checkInDone: "You have checked in today.", startCheckIn: "Start today's check-in",
    latestAdvice: "Latest advice", noAdvice: "No advice yet.", send: "Send check-in",
    anythingWrong: "Is anything wrong with this?", no: "No", yes: "Yes",
    thankYou: "Thank you", thankYouBody: "Your answers were sent to your care team.",
    routineWatch: "Keep watching for: fever above {fever}, a wound that opens or " +
      "leaks, new numbness or weakness in your legs, or any change in bladder or bowel control.",
    notSentTitle: "Your check-in was not sent",
    notSentBody: "Please try again. If you feel unwell, call your surgical team now; in an " +
      "emergency call the emergency number.",
    tryAgain: "Try again",
    waitingToSend: "Waiting to send", queuedBody: "You are offline. Your answers are saved on " +
      "this phone and will be sent when you are back online.",
    emergencyTitle: "This is an emergency", callNow: "Call {number} now",
    tellOperator: "Tell the operator: you recently had spine surgery (lumbar fusion), " +
      "and what you are feeling now.",
    urgentTitle: "Call your surgical team today", callTeam: "Call your team: {phone}",
    noTeamPhone: "Use the number your care team gave you.",
    backToToday: "Back to Today", save: "Save", saved: "Saved.", kept: "Done",
    notKept: "Not done", record: "I reached this", recorded: "Recorded.",
    noItems: "Nothing for today.", achieved: "Reached", pending: "To do", missed: "Missed",
    questionnaireNotice: "This questionnaire's licensed wording is not installed on this " +
      "server, so it cannot be shown. Your care team will give it to you on paper.",
    submit: "Submit", noQuestionnaires: "No questionnaire is due.",
    inboxEmpty: "No messages.", reminderTime: "Check-in reminder time",
    quietStart: "Quiet hours start", quietEnd: "Quiet hours end", language: "Language",
    temperatureUnit: "Temperature unit", notifications: "Notifications",
    temperatureHint: "From {low} to {high}, e.g. {example}.",
    notificationsOn: "Send me notifications", error: "Something went wrong: {message}",
    offline: "Offline", pending_n: "{n} waiting to send", rejected: "Please answer again:",
    routineTitle: "Thank you: nothing urgent", adviceFromTeam: "Advice",
    photoTitle: "Photo of your wound", photoTake: "Take a photo of your wound (optional)",
    photoDue: "Your care team asks for a photo of your wound today.",
    photoOptional: "You can add a photo of your wound if something changed.",
    photoReady: "Photo ready to send with your check-in.",
    photoSent: "Your wound photo was sent to your care team.",
    photoWaiting: "Your wound photo is saved on this phone and waits to send.",
  },
  es: {
    signIn: "Entrar", signInTitle: "Entrar", username: "Usuario", password: "Contraseña",
    activate: "Activar su cuenta", activateTitle: "Activar su cuenta",
    activationCode: "Código de activación de su equipo médico",
    chooseUsername: "Elija un usuario", choosePassword: "Elija una contraseña",
    haveCode: "Tengo un código de activación", haveAccount: "Ya tengo una cuenta",
    today: "Hoy", checkIn: "Control diario", checklist: "Lista del día", milestones: "Metas",
    questionnaires: "Cuestionarios", inbox: "Mensajes", settings: "Ajustes",
    signOut: "Cerrar sesión", more: "Más", dayAfterSurgery: "Día {n} después de la cirugía",
    checkInDue: "Hoy le toca su control diario.", checkInDone: "Hoy ya hizo su control.",
    startCheckIn: "Empezar el control de hoy", latestAdvice: "Último consejo",
    noAdvice: "Aún no hay consejos.", send: "Enviar control",
    anythingWrong: "¿Hay algún problema con esto?", no: "No", yes: "Sí",
    thankYou: "Gracias", thankYouBody: "Sus respuestas se enviaron a su equipo médico.",
    routineWatch: "Esté atento a: fiebre de más de {fever}, una herida que se abre " +
      "o supura, entumecimiento o debilidad nueva en las piernas, o cambios al orinar o defecar.",
    notSentTitle: "Su registro no se envió",
    notSentBody: "Inténtelo de nuevo. Si se siente mal, llame ahora a su equipo quirúrgico; en " +
      "una emergencia llame al número de emergencias.",
    tryAgain: "Intentar de nuevo",
    waitingToSend: "Pendiente de envío", queuedBody: "No hay conexión. Sus respuestas están " +
      "guardadas en este teléfono y se enviarán cuando vuelva la conexión.",
    emergencyTitle: "Esto es una emergencia", callNow: "Llame al {number} ahora",
    tellOperator: "Diga a la operadora: me operaron de la columna hace poco (fusión lumbar), " +
      "y lo que siente ahora.",
    urgentTitle: "Llame hoy a su equipo quirúrgico", callTeam: "Llame a su equipo: {phone}",
    noTeamPhone: "Use el número que le dio su equipo médico.",
    backToToday: "Volver a Hoy", save: "Guardar", saved: "Guardado.", kept: "Hecho",
    notKept: "No hecho", record: "Lo logré", recorded: "Registrado.",
    noItems: "Nada para hoy.", achieved: "Logrado", pending: "Pendiente", missed: "No logrado",
    questionnaireNotice: "El texto con licencia de este cuestionario no está instalado en " +
      "este servidor. Su equipo médico se lo dará en papel.",
    submit: "Enviar", noQuestionnaires: "No tiene cuestionarios pendientes.",
    inboxEmpty: "No hay mensajes.", reminderTime: "Hora del recordatorio",
    quietStart: "Inicio de horas de silencio", quietEnd: "Fin de horas de silencio",
    language: "Idioma", temperatureUnit: "Unidad de temperatura",
    temperatureHint: "De {low} a {high}, por ejemplo {example}.",
    notifications: "Notificaciones", notificationsOn: "Enviarme notificaciones",
    error: "Algo salió mal: {message}", offline: "Sin conexión",
    pending_n: "{n} pendiente(s) de envío", rejected: "Responda de nuevo:",
    routineTitle: "Gracias: nada urgente", adviceFromTeam: "Consejo",
    photoTitle: "Foto de su herida", photoTake: "Tome una foto de su herida (opcional)",
    photoDue: "Su equipo médico le pide hoy una foto de su herida.",
    photoOptional: "Puede añadir una foto de su herida si algo cambió.",
    photoReady: "Foto lista para enviar con su control.",
    photoSent: "La foto de su herida se envió a su equipo médico.",
    photoWaiting: "La foto de su herida está guardada en este teléfono y espera para enviarse.",
  },
};

let language = "en";

export function setLanguage(code) {
  language = TEXT[code] ? code : "en";
  document.documentElement.lang = language;
}

export function currentLanguage() {
  return language;
}

export function t(key, values = {}) {
  const template = TEXT[language][key] ?? TEXT.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

// A question's own wording: { en, es }.
export function say(text) {
  return (text && (text[language] || text.en)) || "";
}

export const LANGUAGES = [["en", "English"], ["es", "Español"]];
