// Every question of the check-in API (recovery/api/checkins.py), in plain words, grouped.
// `always` questions are asked every day; `more` open only when the patient says something
// is wrong in the group. Field names are the API's; ranges are the API's (INTEGER_RANGES).
// A group the patient closes ("No, nothing wrong") answers its yes/no symptoms "no", except
// the `openOnly` ones, which are not symptoms.

const yesno = (field, en, es) => ({ field, type: "bool", text: { en, es } });
const scale = (field, en, es, min = 0, max = 10) => ({ field, type: "scale", min, max, text: { en, es } });
const count = (field, en, es, min, max) => ({ field, type: "number", min, max, text: { en, es } });

export const GROUPS = [
  {
    key: "pain",
    title: { en: "Pain", es: "Dolor" },
    gate: { en: "Anything else wrong with your pain?", es: "¿Algún otro problema con el dolor?" },
    always: [
      scale("back_pain", "Back pain now (0 none, 10 worst)", "Dolor de espalda ahora (0 nada, 10 el peor)"),
      scale("leg_pain", "Leg pain now (0 none, 10 worst)", "Dolor de pierna ahora (0 nada, 10 el peor)"),
    ],
    more: [
      // Not a symptom: a closed group says nothing about it, so it is left unanswered.
      { ...yesno("pain_controlled_by_medication", "Your pain medicine controls the pain", "Su medicina controla el dolor"), openOnly: true },
      count("opioid_doses_24h", "Opioid pain pills taken in the last 24 hours", "Pastillas opioides en las últimas 24 horas", 0, 100),
      scale("thigh_groin_pain", "Thigh or groin pain (0 none, 10 worst)", "Dolor de muslo o ingle (0 nada, 10 el peor)"),
      yesno("sudden_pain_increase", "Sudden, much worse back pain", "Dolor de espalda de repente mucho peor"),
      yesno("pop_or_click", "Felt a pop or click in your back", "Sintió un chasquido en la espalda"),
      yesno("new_deformity", "Your back looks or feels a new shape", "La espalda tiene una forma nueva"),
      yesno("fall", "You had a fall", "Se cayó"),
    ],
  },
  {
    key: "temperature",
    title: { en: "Temperature", es: "Temperatura" },
    gate: { en: "Do you feel feverish or have chills?", es: "¿Tiene fiebre o escalofríos?" },
    always: [{ field: "temperature", type: "temperature", text: { en: "Your temperature, if you took it", es: "Su temperatura, si se la tomó" } }],
    more: [yesno("chills", "Chills or shivering", "Escalofríos o temblores")],
  },
  {
    key: "wound",
    title: { en: "Wound", es: "Herida" },
    gate: { en: "Is anything wrong with your wound?", es: "¿Hay algún problema con la herida?" },
    always: [],
    more: [
      {
        field: "wound_drainage", type: "choice",
        text: { en: "Fluid coming from the wound", es: "Líquido que sale de la herida" },
        options: [
          ["none", { en: "None", es: "Nada" }], ["clear", { en: "Clear", es: "Claro" }],
          ["bloody", { en: "Bloody", es: "Con sangre" }], ["cloudy", { en: "Cloudy", es: "Turbio" }],
          ["pus", { en: "Pus", es: "Pus" }],
        ],
      },
      count("wound_drainage_days", "Days the wound has been leaking", "Días que la herida lleva supurando", 0, 3650),
      yesno("wound_redness", "Redness around the wound", "Enrojecimiento alrededor de la herida"),
      yesno("wound_swelling", "Swelling around the wound", "Hinchazón alrededor de la herida"),
      yesno("wound_warmth", "The wound feels warm or hot", "La herida está caliente"),
      yesno("wound_opening", "The wound is opening", "La herida se está abriendo"),
      yesno("clear_fluid_from_wound", "Clear, watery fluid from the wound", "Líquido claro y aguado de la herida"),
    ],
  },
  {
    key: "legs",
    title: { en: "Legs and nerves", es: "Piernas y nervios" },
    gate: { en: "Any new numbness, weakness or pain in your legs?", es: "¿Entumecimiento, debilidad o dolor nuevo en las piernas?" },
    always: [],
    more: [
      yesno("new_leg_numbness", "New numbness in a leg", "Entumecimiento nuevo en una pierna"),
      yesno("new_leg_weakness", "New weakness in a leg", "Debilidad nueva en una pierna"),
      {
        field: "leg_symptom_side", type: "choice",
        text: { en: "Which leg", es: "Qué pierna" },
        options: [
          ["left", { en: "Left", es: "Izquierda" }], ["right", { en: "Right", es: "Derecha" }],
          ["both", { en: "Both", es: "Las dos" }],
        ],
      },
      yesno("foot_drop", "Your foot drops or drags when you walk", "El pie cae o se arrastra al caminar"),
      yesno("thigh_numbness", "Numbness on the front of the thigh", "Entumecimiento en la parte delantera del muslo"),
      yesno("hip_flexion_weakness", "Hard to lift your leg at the hip", "Le cuesta levantar la pierna desde la cadera"),
      yesno("saddle_numbness", "Numbness between your legs or around your bottom", "Entumecimiento entre las piernas o alrededor de las nalgas"),
      yesno("calf_pain_or_swelling", "Pain or swelling in a calf", "Dolor o hinchazón en una pantorrilla"),
    ],
  },
  {
    key: "bladder",
    title: { en: "Bladder and bowel", es: "Vejiga e intestino" },
    gate: { en: "Any problem with your bladder, bowel or belly?", es: "¿Algún problema con la vejiga, el intestino o el vientre?" },
    always: [],
    more: [
      yesno("new_bladder_problem", "New trouble controlling your bladder", "Problema nuevo para controlar la orina"),
      yesno("unable_to_urinate", "You cannot pass urine", "No puede orinar"),
      yesno("new_bowel_incontinence", "New trouble controlling your bowel", "Problema nuevo para controlar las heces"),
      count("no_bowel_movement_days", "Days since your last bowel movement", "Días desde la última deposición", 0, 365),
      yesno("not_passing_gas", "You are not passing gas", "No expulsa gases"),
      yesno("abdominal_swelling", "Your belly is swollen", "El vientre está hinchado"),
      yesno("abdominal_pain", "Belly pain", "Dolor de vientre"),
      yesno("nausea_vomiting", "Feeling sick or vomiting", "Náuseas o vómitos"),
    ],
  },
  {
    key: "chest",
    title: { en: "Chest and breathing", es: "Pecho y respiración" },
    gate: { en: "Any chest pain or trouble breathing?", es: "¿Dolor de pecho o dificultad para respirar?" },
    always: [],
    more: [
      yesno("chest_pain", "Chest pain", "Dolor de pecho"),
      yesno("shortness_of_breath", "Short of breath", "Falta de aire"),
      yesno("coughing_blood", "Coughing up blood", "Tos con sangre"),
      yesno("racing_heartbeat", "Heart racing or pounding", "El corazón late muy rápido"),
    ],
  },
  {
    key: "other",
    title: { en: "Other", es: "Otros" },
    gate: { en: "Anything else wrong today?", es: "¿Algo más no va bien hoy?" },
    always: [count("walking_minutes", "Minutes you walked today", "Minutos que caminó hoy", 0, 1440)],
    more: [
      yesno("headache_worse_upright", "Headache that is worse when you sit or stand up", "Dolor de cabeza que empeora al sentarse o levantarse"),
      yesno("stiff_neck", "Stiff neck", "Cuello rígido"),
      yesno("confusion", "Confused, or others say you are", "Confusión, o otros lo notan confundido"),
      yesno("drowsiness", "Unusually sleepy or hard to wake", "Mucho sueño o le cuesta despertar"),
      { ...yesno("nicotine_use", "You smoked or used nicotine", "Fumó o usó nicotina"), openOnly: true },
      { field: "notes", type: "text", text: { en: "Anything else to tell your team", es: "Algo más para su equipo" } },
    ],
  },
];

export const FIELD_GROUP = Object.fromEntries(
  GROUPS.flatMap((g) => [...g.always, ...g.more].map((q) => [q.field, g.key])),
);
