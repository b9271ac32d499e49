//! Campus opening days: China's public holidays and make-up workdays (调休),
//! and the rules by which a canteen's meal periods open.
//!
//! The holiday data comes from the `chinese_holiday` crate (v2026.0.1), which
//! transcribes the General Office of the State Council's yearly notices
//! (国务院办公厅关于部分节假日安排的通知) from 2004 to 2026; its 2025 and 2026
//! entries were checked against the notices of November 2024 and November
//! 2025. It covers [`COVERED_FROM`] to [`COVERED_UNTIL`]: the crate refuses
//! later dates, and rightly, since the next year's arrangement may make a
//! late-December weekend a workday. Outside that range a date is a plain
//! weekday or weekend: its holidays are unknown, so [`day_kind`] never
//! reports one there, and [`is_covered`] says so.
//!
//! Adding a year: the State Council publishes the next year's arrangement in
//! November or December; the crate's release for that year (its major version
//! is the year, so `cargo update` does not pick it up) carries it. Bump the
//! version in `shared/Cargo.toml`, check the new entries against the notice,
//! move [`COVERED_UNTIL`] to the crate's new limit and add the year's cases to
//! the tests below.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// First day the holiday data covers.
pub const COVERED_FROM: NaiveDate = date(2004, 1, 1);
/// Last day the holiday data covers (the crate refuses later dates).
pub const COVERED_UNTIL: NaiveDate = date(2026, 12, 25);
/// Most per-date overrides one canteen calendar holds (a few years of closures).
pub const MAX_OVERRIDES: usize = 1_000;
/// Longest override note, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) => d,
        None => panic!("invalid constant date"),
    }
}

/// A public holiday of the State Council's arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HolidayName {
    /// 元旦
    NewYearsDay,
    /// 春节
    SpringFestival,
    /// 清明节
    Qingming,
    /// 劳动节
    LabourDay,
    /// 端午节
    DragonBoatFestival,
    /// 中秋节
    MidAutumnFestival,
    /// 国庆节 (in 2025 and some earlier years joined with the Mid-Autumn Festival).
    NationalDay,
    /// A one-off holiday (e.g. 3 September 2015), or a name this app version
    /// does not know yet.
    #[serde(other)]
    Other,
}

/// What kind of day a date is under the State Council's arrangement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// Saturday or Sunday, not a holiday and not a make-up workday.
    Weekend,
    /// A day off of a public holiday, including the weekends inside it.
    Holiday(HolidayName),
    /// A Saturday or Sunday worked in exchange for a holiday day (调休上班).
    MakeUpWorkday,
}

impl DayKind {
    /// People work (and classes run): a weekday or a make-up workday.
    pub fn is_workday(self) -> bool {
        matches!(self, Self::Workday | Self::MakeUpWorkday)
    }
}

/// Whether the holiday data covers `date`; outside it, [`day_kind`] knows
/// only weekdays and weekends.
pub fn is_covered(date: NaiveDate) -> bool {
    (COVERED_FROM..=COVERED_UNTIL).contains(&date)
}

/// The kind of day `date` is (China Standard Time dates; see
/// `kiosk::campus_day`). Outside [`is_covered`] a date is a plain
/// [`DayKind::Workday`] or [`DayKind::Weekend`].
pub fn day_kind(date: NaiveDate) -> DayKind {
    covered_kind(date).unwrap_or_else(|| plain_kind(date))
}

/// People work on `date`: a weekday that is not a holiday, or a make-up workday.
pub fn is_workday(date: NaiveDate) -> bool {
    day_kind(date).is_workday()
}

fn plain_kind(date: NaiveDate) -> DayKind {
    match date.weekday() {
        Weekday::Sat | Weekday::Sun => DayKind::Weekend,
        _ => DayKind::Workday,
    }
}

/// The crate's answer, or `None` outside its range (where it would panic).
fn covered_kind(date: NaiveDate) -> Option<DayKind> {
    use chinese_holiday::DayKind as C;

    if !is_covered(date) {
        return None;
    }
    let ymd = chinese_holiday::Ymd::new(
        u16::try_from(date.year()).ok()?,
        u8::try_from(date.month()).ok()?,
        u8::try_from(date.day()).ok()?,
    );
    let holiday = |name| Some(DayKind::Holiday(name));
    match chinese_holiday::chinese_holiday(ymd) {
        C::NormalWorkday => Some(DayKind::Workday),
        C::NormalHoliday => Some(DayKind::Weekend),
        C::NewYearsDayHoliday => holiday(HolidayName::NewYearsDay),
        C::SpringFestivalHoliday => holiday(HolidayName::SpringFestival),
        C::ChingMingFestivalHoliday => holiday(HolidayName::Qingming),
        C::InternationalWorkersDayHoliday => holiday(HolidayName::LabourDay),
        C::DragonBoatFestivalHoliday => holiday(HolidayName::DragonBoatFestival),
        C::MidAutumnFestivalHoliday => holiday(HolidayName::MidAutumnFestival),
        C::NationalDayHoliday => holiday(HolidayName::NationalDay),
        C::OtherHoliday => holiday(HolidayName::Other),
        C::NewYearsDayWorkday
        | C::SpringFestivalWorkday
        | C::ChingMingFestivalWorkday
        | C::InternationalWorkersDayWorkday
        | C::DragonBoatFestivalWorkday
        | C::MidAutumnFestivalWorkday
        | C::NationalDayWorkday
        | C::OtherWorkday => Some(DayKind::MakeUpWorkday),
    }
}

/// A canteen's meal period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MealPeriod {
    Breakfast,
    Lunch,
    Dinner,
    /// 夜宵
    LateNight,
}

/// On which kinds of day a meal period opens. A make-up workday counts as a
/// workday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodRule {
    pub period: MealPeriod,
    pub workdays: bool,
    pub weekends: bool,
    pub holidays: bool,
}

impl PeriodRule {
    /// Whether the rule opens the period on a day of this kind.
    pub fn opens_on(&self, kind: DayKind) -> bool {
        match kind {
            DayKind::Workday | DayKind::MakeUpWorkday => self.workdays,
            DayKind::Weekend => self.weekends,
            DayKind::Holiday(_) => self.holidays,
        }
    }
}

/// A manager's decision for one date, which wins over the rules: one period,
/// or with no period the whole day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DateOverride {
    pub date: NaiveDate,
    /// `None`: every period of the day. A period's own override wins over the
    /// whole day's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<MealPeriod>,
    pub open: bool,
    /// Why, shown to diners (e.g. "寒假停业"); may be empty.
    #[serde(default)]
    pub note: String,
}

/// When a canteen's meal periods open. A period with no rule stays closed
/// unless an override opens it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CanteenCalendar {
    /// At most one per period.
    pub rules: Vec<PeriodRule>,
    /// At most one per date and period (or whole day).
    #[serde(default)]
    pub overrides: Vec<DateOverride>,
}

impl CanteenCalendar {
    /// Whether `period` is served on `date`: the period's override for the
    /// date, else the date's whole-day override, else the period's rule for
    /// the date's [`day_kind`], else closed.
    pub fn opens(&self, date: NaiveDate, period: MealPeriod) -> bool {
        if let Some(o) = self.override_for(date, period) {
            return o.open;
        }
        self.rules
            .iter()
            .find(|r| r.period == period)
            .is_some_and(|r| r.opens_on(day_kind(date)))
    }

    /// The override that decides `period` on `date`, if any (for its note).
    pub fn override_for(&self, date: NaiveDate, period: MealPeriod) -> Option<&DateOverride> {
        let find = |p: Option<MealPeriod>| {
            self.overrides
                .iter()
                .find(|o| o.date == date && o.period == p)
        };
        find(Some(period)).or_else(|| find(None))
    }

    pub fn validate(&self) -> Result<(), FieldError> {
        for (i, rule) in self.rules.iter().enumerate() {
            if self.rules[..i].iter().any(|r| r.period == rule.period) {
                return Err(FieldError::new(
                    format!("rules.{i}.period"),
                    "has a rule already",
                ));
            }
        }
        if self.overrides.len() > MAX_OVERRIDES {
            return Err(FieldError::new(
                "overrides",
                format!("must be at most {MAX_OVERRIDES}"),
            ));
        }
        for (i, o) in self.overrides.iter().enumerate() {
            if self.overrides[..i]
                .iter()
                .any(|p| p.date == o.date && p.period == o.period)
            {
                return Err(FieldError::new(
                    format!("overrides.{i}.date"),
                    "has an override for this date and period already",
                ));
            }
            if o.note.chars().count() > MAX_NOTE_CHARS {
                return Err(FieldError::new(
                    format!("overrides.{i}.note"),
                    format!("must be at most {MAX_NOTE_CHARS} characters"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    #[test]
    fn days_follow_the_state_councils_arrangements() {
        use DayKind::{Holiday, MakeUpWorkday, Weekend, Workday};
        use HolidayName::*;
        let cases = [
            // 2025: New Year's Day, one day, no make-up.
            (d(2025, 1, 1), Holiday(NewYearsDay)),
            (d(2025, 1, 2), Workday),
            // 2025 Spring Festival: 28 Jan – 4 Feb; Sun 26 Jan and Sat 8 Feb worked.
            (d(2025, 1, 25), Weekend),
            (d(2025, 1, 26), MakeUpWorkday),
            (d(2025, 1, 27), Workday),
            (d(2025, 1, 28), Holiday(SpringFestival)),
            (d(2025, 2, 1), Holiday(SpringFestival)),
            (d(2025, 2, 4), Holiday(SpringFestival)),
            (d(2025, 2, 5), Workday),
            (d(2025, 2, 8), MakeUpWorkday),
            (d(2025, 2, 9), Weekend),
            // 2025 Qingming, Labour Day (Sun 27 Apr worked), Dragon Boat.
            (d(2025, 4, 4), Holiday(Qingming)),
            (d(2025, 4, 27), MakeUpWorkday),
            (d(2025, 5, 5), Holiday(LabourDay)),
            (d(2025, 5, 31), Holiday(DragonBoatFestival)),
            (d(2025, 6, 2), Holiday(DragonBoatFestival)),
            // 2025 National Day with Mid-Autumn: 1–8 Oct; Sun 28 Sep, Sat 11 Oct worked.
            (d(2025, 9, 28), MakeUpWorkday),
            (d(2025, 10, 1), Holiday(NationalDay)),
            (d(2025, 10, 8), Holiday(NationalDay)),
            (d(2025, 10, 9), Workday),
            (d(2025, 10, 11), MakeUpWorkday),
            // 2026: New Year 1–3 Jan, Sun 4 Jan worked.
            (d(2026, 1, 3), Holiday(NewYearsDay)),
            (d(2026, 1, 4), MakeUpWorkday),
            // 2026 Spring Festival: 15–23 Feb; Sat 14 Feb and Sat 28 Feb worked.
            (d(2026, 2, 14), MakeUpWorkday),
            (d(2026, 2, 15), Holiday(SpringFestival)),
            (d(2026, 2, 17), Holiday(SpringFestival)),
            (d(2026, 2, 23), Holiday(SpringFestival)),
            (d(2026, 2, 24), Workday),
            (d(2026, 2, 28), MakeUpWorkday),
            // 2026 Labour Day 1–5 May, Sat 9 May worked; Mid-Autumn 25–27 Sep.
            (d(2026, 5, 1), Holiday(LabourDay)),
            (d(2026, 5, 9), MakeUpWorkday),
            (d(2026, 6, 19), Holiday(DragonBoatFestival)),
            (d(2026, 9, 25), Holiday(MidAutumnFestival)),
            // 2026 National Day 1–7 Oct; Sun 20 Sep and Sat 10 Oct worked.
            (d(2026, 9, 20), MakeUpWorkday),
            (d(2026, 10, 1), Holiday(NationalDay)),
            (d(2026, 10, 7), Holiday(NationalDay)),
            (d(2026, 10, 8), Workday),
            (d(2026, 10, 10), MakeUpWorkday),
            (d(2026, 10, 11), Weekend),
            // The one-off holiday of 3 September 2015.
            (d(2015, 9, 3), Holiday(Other)),
        ];
        for (date, kind) in cases {
            assert_eq!(day_kind(date), kind, "{date}");
            assert_eq!(is_workday(date), kind.is_workday(), "{date}");
            assert!(is_covered(date), "{date}");
        }
    }

    #[test]
    fn uncovered_dates_are_plain_weekdays_and_weekends() {
        let cases = [
            (
                COVERED_FROM,
                true,
                DayKind::Holiday(HolidayName::NewYearsDay),
            ),
            (d(2003, 12, 31), false, DayKind::Workday),
            (COVERED_UNTIL, true, DayKind::Workday),
            // Saturday after the data ends.
            (d(2026, 12, 26), false, DayKind::Weekend),
            // FIXME(2027 data): a public holiday in reality; the data ends in 2026.
            (d(2027, 1, 1), false, DayKind::Workday),
            (d(2027, 10, 1), false, DayKind::Workday),
            // Far outside the crate's own limits (it would panic there).
            (d(1999, 1, 1), false, DayKind::Workday),
            (d(2200, 1, 5), false, DayKind::Weekend),
        ];
        for (date, covered, kind) in cases {
            assert_eq!(is_covered(date), covered, "{date}");
            assert_eq!(day_kind(date), kind, "{date}");
        }
    }

    #[test]
    fn day_kinds_are_snake_case_on_the_wire() {
        let json = |k: DayKind| serde_json::to_string(&k).unwrap();
        assert_eq!(json(DayKind::MakeUpWorkday), r#""make_up_workday""#);
        assert_eq!(
            json(DayKind::Holiday(HolidayName::SpringFestival)),
            r#"{"holiday":"spring_festival"}"#
        );
        let newer: DayKind = serde_json::from_str(r#"{"holiday":"something_new"}"#).unwrap();
        assert_eq!(newer, DayKind::Holiday(HolidayName::Other));
    }

    fn calendar() -> CanteenCalendar {
        let rule = |period, workdays, weekends, holidays| PeriodRule {
            period,
            workdays,
            weekends,
            holidays,
        };
        CanteenCalendar {
            rules: vec![
                rule(MealPeriod::Breakfast, true, false, false),
                rule(MealPeriod::Lunch, true, true, true),
                rule(MealPeriod::Dinner, true, true, false),
            ],
            overrides: vec![
                // Open a breakfast on the first day of the 2026 Spring Festival.
                DateOverride {
                    date: d(2026, 2, 15),
                    period: Some(MealPeriod::Breakfast),
                    open: true,
                    note: "留校学生早餐".into(),
                },
                // Close the whole day of 2026-02-16 (New Year's Eve, 除夕) ...
                DateOverride {
                    date: d(2026, 2, 16),
                    period: None,
                    open: false,
                    note: "除夕停业".into(),
                },
                // ... except its dinner.
                DateOverride {
                    date: d(2026, 2, 16),
                    period: Some(MealPeriod::Dinner),
                    open: true,
                    note: "年夜饭".into(),
                },
                // Close lunch on an ordinary workday.
                DateOverride {
                    date: d(2026, 3, 10),
                    period: Some(MealPeriod::Lunch),
                    open: false,
                    note: String::new(),
                },
            ],
        }
    }

    #[test]
    fn periods_open_by_rule_and_overrides_win() {
        use MealPeriod::*;
        let cal = calendar();
        let cases = [
            // Tuesday: workday rules.
            (d(2026, 3, 3), Breakfast, true),
            (d(2026, 3, 3), LateNight, false),
            // Saturday: no breakfast.
            (d(2026, 3, 7), Breakfast, false),
            (d(2026, 3, 7), Lunch, true),
            // Make-up Saturday 2026-02-28 and Sunday 2026-01-04 follow workday rules.
            (d(2026, 2, 28), Breakfast, true),
            (d(2026, 1, 4), Breakfast, true),
            // National Day (a Thursday): holiday rules.
            (d(2026, 10, 1), Breakfast, false),
            (d(2026, 10, 1), Lunch, true),
            (d(2026, 10, 1), Dinner, false),
            // Spring Festival day with a breakfast override.
            (d(2026, 2, 15), Breakfast, true),
            (d(2026, 2, 15), Dinner, false),
            // Whole day closed, its dinner opened.
            (d(2026, 2, 16), Lunch, false),
            (d(2026, 2, 16), Dinner, true),
            (d(2026, 2, 16), LateNight, false),
            // One period closed on a workday, others by rule.
            (d(2026, 3, 10), Lunch, false),
            (d(2026, 3, 10), Dinner, true),
            // Outside the data: 2027-01-01 is a Friday, so workday rules.
            (d(2027, 1, 1), Breakfast, true),
        ];
        for (date, period, open) in cases {
            assert_eq!(cal.opens(date, period), open, "{date} {period:?}");
        }
        assert_eq!(
            cal.override_for(d(2026, 2, 16), Lunch).unwrap().note,
            "除夕停业"
        );
        assert_eq!(
            cal.override_for(d(2026, 2, 16), Dinner).unwrap().note,
            "年夜饭"
        );
        assert!(cal.override_for(d(2026, 3, 3), Lunch).is_none());
        assert!(!CanteenCalendar::default().opens(d(2026, 3, 3), Lunch));
    }

    #[test]
    fn calendars_are_checked() {
        assert_eq!(calendar().validate(), Ok(()));

        let mut twice = calendar();
        twice.rules.push(twice.rules[1]);
        assert_eq!(twice.validate().unwrap_err().field, "rules.3.period");

        let mut clash = calendar();
        let mut again = clash.overrides[1].clone();
        again.open = true;
        clash.overrides.push(again);
        assert_eq!(clash.validate().unwrap_err().field, "overrides.4.date");

        let mut long = calendar();
        long.overrides[0].note = "字".repeat(MAX_NOTE_CHARS);
        assert_eq!(long.validate(), Ok(()));
        long.overrides[0].note.push('字');
        assert_eq!(long.validate().unwrap_err().field, "overrides.0.note");

        let many = CanteenCalendar {
            rules: vec![],
            overrides: (0..=MAX_OVERRIDES as u64)
                .map(|i| DateOverride {
                    date: d(2026, 1, 1) + chrono::Days::new(i),
                    period: None,
                    open: false,
                    note: String::new(),
                })
                .collect(),
        };
        assert_eq!(many.validate().unwrap_err().field, "overrides");
    }
}
