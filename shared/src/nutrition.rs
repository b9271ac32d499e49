//! Healthy-diet guidance: a week of canteen purchases against the Chinese
//! dietary reference intakes.
//!
//! Reference values: 《中国居民膳食营养素参考摄入量（2023版）》 (Chinese
//! Nutrition Society, *Chinese DRIs 2023*), adults 18–49 (students and
//! staff), from its tables of
//! - energy: estimated energy requirement (EER) by age, sex and physical
//!   activity level;
//! - protein: recommended nutrient intake (RNI);
//! - fat and carbohydrate: acceptable macronutrient distribution range
//!   (AMDR), as a share of energy;
//! - sodium: adequate intake (AI) and proposed intake for preventing
//!   non-communicable chronic diseases (PI-NCD; 2000 mg is about 5 g of salt).
//!
//! These are the table values as transcribed into the constants below; they
//! are the one place to correct a value. Our own choices, not the DRIs':
//! energy within ±10 % of the EER counts as on target ([`ENERGY_BAND_PERCENT`]);
//! shares of energy use 4, 9 and 4 kcal per gram of protein, fat and
//! carbohydrate; fewer than [`REGULAR_DAYS`] days with data in a week suggests
//! eating more regularly.
//!
//! Canteen purchases are only part of what someone eats: meals at home, in
//! town or from a shop are unseen. Absolute amounts (energy, protein, sodium)
//! are therefore lower bounds, while the shares of energy (fat, carbohydrate)
//! do not depend on how much was seen; a [`WeeklyReport`] says so
//! ([`WeeklyReport::partial`]) and the UI must show it.

use std::iter::Sum;
use std::ops::{Add, AddAssign};

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// EER, kcal per day, men 18–49, by activity (light, moderate, heavy).
/// Check the moderate value against the printed table: the 2013 edition gave
/// 2600 for this group.
pub const EER_MEN_KCAL: [i64; 3] = [2250, 2550, 3000];
/// EER, kcal per day, women 18–49, by activity (light, moderate, heavy).
pub const EER_WOMEN_KCAL: [i64; 3] = [1800, 2100, 2400];
/// Protein RNI, grams per day, men 18–49.
pub const PROTEIN_RNI_MEN_G: i64 = 65;
/// Protein RNI, grams per day, women 18–49.
pub const PROTEIN_RNI_WOMEN_G: i64 = 55;
/// Fat AMDR, percent of energy (low, high), adults.
pub const FAT_AMDR_PERCENT: (i64, i64) = (20, 30);
/// Carbohydrate AMDR, percent of energy (low, high), adults.
pub const CARBOHYDRATE_AMDR_PERCENT: (i64, i64) = (50, 65);
/// Sodium AI, mg per day, adults 18–49.
pub const SODIUM_AI_MG: i64 = 1500;
/// Sodium PI-NCD, mg per day, adults 18–49.
pub const SODIUM_PI_NCD_MG: i64 = 2000;

/// Energy on target: this band around the EER, percent (our choice).
pub const ENERGY_BAND_PERCENT: (i64, i64) = (90, 110);
/// Days with data in a week below which the report suggests eating more
/// regularly (our choice).
pub const REGULAR_DAYS: u32 = 4;
/// Days in the week a [`WeeklyReport`] covers.
pub const DAYS_IN_WEEK: u32 = 7;

/// kcal per gram (general Atwater factors).
const PROTEIN_KCAL_PER_G: i64 = 4;
const FAT_KCAL_PER_G: i64 = 9;
const CARBOHYDRATE_KCAL_PER_G: i64 = 4;

/// Highest energy of one serving of a dish, kcal.
pub const MAX_SERVING_KCAL: i64 = 5_000;
/// Highest protein, fat or carbohydrate of one serving, mg (1 kg).
pub const MAX_SERVING_MACRO_MG: i64 = 1_000_000;
/// Highest sodium of one serving, mg (about 50 g of salt).
pub const MAX_SERVING_SODIUM_MG: i64 = 20_000;
/// A serving's energy may differ from its protein, fat and carbohydrate
/// (4/9/4 kcal/g) by this much plus [`ENERGY_SLACK_PERCENT`] of the larger:
/// fibre, alcohol and label rounding, but not kJ entered as kcal.
pub const ENERGY_SLACK_KCAL: i64 = 20;
/// See [`ENERGY_SLACK_KCAL`].
pub const ENERGY_SLACK_PERCENT: i64 = 30;

/// What food provides, in exact integer units, for one serving of a dish or
/// a total. Amounts are not negative: [`Nutrients::validate`] checks a
/// serving, and [`weekly_report`] counts a negative total as zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Nutrients {
    pub energy_kcal: i64,
    pub protein_mg: i64,
    pub fat_mg: i64,
    pub carbohydrate_mg: i64,
    pub sodium_mg: i64,
}

impl Nutrients {
    pub const ZERO: Self = Self {
        energy_kcal: 0,
        protein_mg: 0,
        fat_mg: 0,
        carbohydrate_mg: 0,
        sodium_mg: 0,
    };

    /// `portions` servings of this (saturating rather than overflowing).
    pub fn times(self, portions: u32) -> Self {
        let n = i64::from(portions);
        Self {
            energy_kcal: self.energy_kcal.saturating_mul(n),
            protein_mg: self.protein_mg.saturating_mul(n),
            fat_mg: self.fat_mg.saturating_mul(n),
            carbohydrate_mg: self.carbohydrate_mg.saturating_mul(n),
            sodium_mg: self.sodium_mg.saturating_mul(n),
        }
    }

    /// Checks one serving of a dish as a manager enters it: each amount in
    /// range, and the energy consistent with protein, fat and carbohydrate
    /// (which catches kJ entered as kcal, and grams entered as mg).
    pub fn validate(&self) -> Result<(), FieldError> {
        let ranges = [
            ("energy_kcal", self.energy_kcal, MAX_SERVING_KCAL),
            ("protein_mg", self.protein_mg, MAX_SERVING_MACRO_MG),
            ("fat_mg", self.fat_mg, MAX_SERVING_MACRO_MG),
            (
                "carbohydrate_mg",
                self.carbohydrate_mg,
                MAX_SERVING_MACRO_MG,
            ),
            ("sodium_mg", self.sodium_mg, MAX_SERVING_SODIUM_MG),
        ];
        for (field, value, max) in ranges {
            if !(0..=max).contains(&value) {
                return Err(FieldError::new(
                    field,
                    format!("must be between 0 and {max}"),
                ));
            }
        }
        // Millikilocalories: mg × kcal/g.
        let stated = self.energy_kcal * 1000;
        let from_macros = self.protein_mg * PROTEIN_KCAL_PER_G
            + self.fat_mg * FAT_KCAL_PER_G
            + self.carbohydrate_mg * CARBOHYDRATE_KCAL_PER_G;
        let slack = ENERGY_SLACK_KCAL * 1000 + stated.max(from_macros) * ENERGY_SLACK_PERCENT / 100;
        if (stated - from_macros).abs() > slack {
            return Err(FieldError::new(
                "energy_kcal",
                "does not match protein, fat and carbohydrate (kJ entered as kcal?)",
            ));
        }
        Ok(())
    }
}

impl Add for Nutrients {
    type Output = Self;

    /// Saturating, like [`Nutrients::times`].
    fn add(self, other: Self) -> Self {
        Self {
            energy_kcal: self.energy_kcal.saturating_add(other.energy_kcal),
            protein_mg: self.protein_mg.saturating_add(other.protein_mg),
            fat_mg: self.fat_mg.saturating_add(other.fat_mg),
            carbohydrate_mg: self.carbohydrate_mg.saturating_add(other.carbohydrate_mg),
            sodium_mg: self.sodium_mg.saturating_add(other.sodium_mg),
        }
    }
}

impl AddAssign for Nutrients {
    fn add_assign(&mut self, other: Self) {
        *self = *self + other;
    }
}

impl Sum for Nutrients {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Nutrients> for Nutrients {
    fn sum<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
        iter.copied().sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

/// Physical activity level, as the DRIs grade it (轻, 中, 重).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Mostly sitting: office work, lectures.
    Light,
    /// Regular walking and standing, some exercise.
    Moderate,
    /// Manual work or daily training.
    Heavy,
}

/// Daily targets for one adult.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reference {
    /// EER, kcal per day.
    pub energy_kcal: i64,
    /// RNI, mg per day.
    pub protein_mg: i64,
    /// AMDR, per mille of energy (‰; 200 = 20 %).
    pub fat_low_permille: i64,
    pub fat_high_permille: i64,
    /// AMDR, per mille of energy.
    pub carbohydrate_low_permille: i64,
    pub carbohydrate_high_permille: i64,
    /// AI, mg per day.
    pub sodium_ai_mg: i64,
    /// PI-NCD, mg per day.
    pub sodium_pi_ncd_mg: i64,
}

impl Reference {
    /// The DRIs' targets for an adult aged 18–49.
    pub fn for_adult(sex: Sex, activity: Activity) -> Self {
        let (eer, protein_g) = match sex {
            Sex::Female => (EER_WOMEN_KCAL, PROTEIN_RNI_WOMEN_G),
            Sex::Male => (EER_MEN_KCAL, PROTEIN_RNI_MEN_G),
        };
        let energy_kcal = match activity {
            Activity::Light => eer[0],
            Activity::Moderate => eer[1],
            Activity::Heavy => eer[2],
        };
        Self {
            energy_kcal,
            protein_mg: protein_g * 1000,
            fat_low_permille: FAT_AMDR_PERCENT.0 * 10,
            fat_high_permille: FAT_AMDR_PERCENT.1 * 10,
            carbohydrate_low_permille: CARBOHYDRATE_AMDR_PERCENT.0 * 10,
            carbohydrate_high_permille: CARBOHYDRATE_AMDR_PERCENT.1 * 10,
            sodium_ai_mg: SODIUM_AI_MG,
            sodium_pi_ncd_mg: SODIUM_PI_NCD_MG,
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Nutrient {
    /// Average kcal per day against the EER.
    Energy,
    /// Average mg per day against the RNI.
    Protein,
    /// Share of energy against the AMDR.
    Fat,
    /// Share of energy against the AMDR.
    Carbohydrate,
    /// Average mg per day against the AI (low) and PI-NCD (high).
    Sodium,
    /// A nutrient this app version does not know yet; skip it.
    #[serde(other)]
    Other,
}

/// The unit of a finding's value and targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    KcalPerDay,
    MgPerDay,
    /// ‰ of energy (253 = 25.3 %).
    PermilleOfEnergy,
}

/// Below, within or above the target range (bounds included in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntakeStatus {
    Low,
    Ok,
    High,
}

/// One nutrient of a week against its target. The status is judged on the
/// rounded `value`, so what the user sees agrees with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub nutrient: Nutrient,
    pub unit: Unit,
    pub status: IntakeStatus,
    pub value: i64,
    /// `None`: no lower bound (never low).
    pub target_low: Option<i64>,
    /// `None`: no upper bound (never high).
    pub target_high: Option<i64>,
}

impl Finding {
    /// This finding with its status set from its value and targets.
    fn judged(self) -> Self {
        let status = if self.target_low.is_some_and(|low| self.value < low) {
            IntakeStatus::Low
        } else if self.target_high.is_some_and(|high| self.value > high) {
            IntakeStatus::High
        } else {
            IntakeStatus::Ok
        };
        Self { status, ..self }
    }
}

/// Advice the UI words in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Suggestion {
    MoreEnergy,
    LessEnergy,
    MoreProtein,
    MoreFat,
    LessFat,
    MoreCarbohydrate,
    LessCarbohydrate,
    LessSodium,
    /// Few days of the week had canteen meals.
    EatMoreRegularly,
    /// Advice this app version does not know yet; skip it.
    #[serde(other)]
    Other,
}

/// A person's week of canteen purchases against their [`Reference`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeeklyReport {
    /// Days of the week with at least one purchase; amounts are averaged over these.
    pub days_with_data: u32,
    /// `days_with_data` as a percent of [`DAYS_IN_WEEK`], at most 100.
    pub coverage_percent: u32,
    /// True while canteen purchases are the only source: what was eaten
    /// elsewhere is missing, so energy, protein and sodium are lower bounds.
    pub partial: bool,
    /// The average day's energy as a percent of the EER; `None` with no data.
    pub energy_percent_of_eer: Option<i64>,
    /// Energy, protein, fat, carbohydrate, sodium, in that order. Empty with
    /// no data; no fat or carbohydrate share when no energy was recorded.
    pub findings: Vec<Finding>,
    /// In the order of the findings, then [`Suggestion::EatMoreRegularly`].
    pub suggestions: Vec<Suggestion>,
}

/// Compares a week's `total` over `days_with_data` days with `reference`.
/// Negative amounts count as zero.
pub fn weekly_report(
    days_with_data: u32,
    total: &Nutrients,
    reference: &Reference,
) -> WeeklyReport {
    let coverage_percent = u32::try_from(div_round(
        i64::from(days_with_data.min(DAYS_IN_WEEK)) * 100,
        i64::from(DAYS_IN_WEEK),
    ))
    .unwrap_or(100);
    let mut report = WeeklyReport {
        days_with_data,
        coverage_percent,
        partial: true,
        energy_percent_of_eer: None,
        findings: Vec::new(),
        suggestions: Vec::new(),
    };
    if days_with_data == 0 {
        return report;
    }
    let days = i64::from(days_with_data);
    let per_day = |amount: i64| div_round(amount.max(0), days);
    let energy = per_day(total.energy_kcal);
    report.energy_percent_of_eer =
        (reference.energy_kcal > 0).then(|| div_round(energy * 100, reference.energy_kcal));

    let (band_low, band_high) = ENERGY_BAND_PERCENT;
    let mut findings = vec![
        Finding {
            nutrient: Nutrient::Energy,
            unit: Unit::KcalPerDay,
            value: energy,
            target_low: Some(div_round(reference.energy_kcal * band_low, 100)),
            target_high: Some(div_round(reference.energy_kcal * band_high, 100)),
            status: IntakeStatus::Ok,
        }
        .judged(),
        Finding {
            nutrient: Nutrient::Protein,
            unit: Unit::MgPerDay,
            value: per_day(total.protein_mg),
            target_low: Some(reference.protein_mg),
            target_high: None,
            status: IntakeStatus::Ok,
        }
        .judged(),
    ];
    // Shares of the week's energy: mg × (kcal/g) / kcal is already ‰.
    let total_energy = total.energy_kcal.max(0);
    if total_energy > 0 {
        let share = |mg: i64, kcal_per_g: i64| {
            div_round(mg.max(0).saturating_mul(kcal_per_g), total_energy)
        };
        findings.push(
            Finding {
                nutrient: Nutrient::Fat,
                unit: Unit::PermilleOfEnergy,
                value: share(total.fat_mg, FAT_KCAL_PER_G),
                target_low: Some(reference.fat_low_permille),
                target_high: Some(reference.fat_high_permille),
                status: IntakeStatus::Ok,
            }
            .judged(),
        );
        findings.push(
            Finding {
                nutrient: Nutrient::Carbohydrate,
                unit: Unit::PermilleOfEnergy,
                value: share(total.carbohydrate_mg, CARBOHYDRATE_KCAL_PER_G),
                target_low: Some(reference.carbohydrate_low_permille),
                target_high: Some(reference.carbohydrate_high_permille),
                status: IntakeStatus::Ok,
            }
            .judged(),
        );
    }
    findings.push(
        Finding {
            nutrient: Nutrient::Sodium,
            unit: Unit::MgPerDay,
            value: per_day(total.sodium_mg),
            target_low: Some(reference.sodium_ai_mg),
            target_high: Some(reference.sodium_pi_ncd_mg),
            status: IntakeStatus::Ok,
        }
        .judged(),
    );

    report.suggestions = findings.iter().filter_map(suggestion).collect();
    if days_with_data < REGULAR_DAYS {
        report.suggestions.push(Suggestion::EatMoreRegularly);
    }
    report.findings = findings;
    report
}

/// The advice for a finding off target. Low sodium gets none: salt is rarely
/// short in China, and canteen purchases undercount it.
fn suggestion(f: &Finding) -> Option<Suggestion> {
    use IntakeStatus::{High, Low};
    match (f.nutrient, f.status) {
        (Nutrient::Energy, Low) => Some(Suggestion::MoreEnergy),
        (Nutrient::Energy, High) => Some(Suggestion::LessEnergy),
        (Nutrient::Protein, Low) => Some(Suggestion::MoreProtein),
        (Nutrient::Fat, Low) => Some(Suggestion::MoreFat),
        (Nutrient::Fat, High) => Some(Suggestion::LessFat),
        (Nutrient::Carbohydrate, Low) => Some(Suggestion::MoreCarbohydrate),
        (Nutrient::Carbohydrate, High) => Some(Suggestion::LessCarbohydrate),
        (Nutrient::Sodium, High) => Some(Suggestion::LessSodium),
        _ => None,
    }
}

/// `n / d` rounded half up, for `n >= 0`, `d > 0` (computed wide, so it
/// cannot overflow).
fn div_round(n: i64, d: i64) -> i64 {
    let (n, d) = (i128::from(n), i128::from(d));
    i64::try_from((2 * n + d) / (2 * d)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(
        energy_kcal: i64,
        protein_g: i64,
        fat_g: i64,
        carbohydrate_g: i64,
        sodium_mg: i64,
    ) -> Nutrients {
        Nutrients {
            energy_kcal,
            protein_mg: protein_g * 1000,
            fat_mg: fat_g * 1000,
            carbohydrate_mg: carbohydrate_g * 1000,
            sodium_mg,
        }
    }

    /// `base` with one amount changed, by field name.
    fn with(mut base: Nutrients, field: &str, value: i64) -> Nutrients {
        let amount = match field {
            "energy_kcal" => &mut base.energy_kcal,
            "protein_mg" => &mut base.protein_mg,
            "fat_mg" => &mut base.fat_mg,
            "carbohydrate_mg" => &mut base.carbohydrate_mg,
            "sodium_mg" => &mut base.sodium_mg,
            _ => panic!("no field {field}"),
        };
        *amount = value;
        base
    }

    fn kcal(energy_kcal: i64) -> Nutrients {
        with(Nutrients::ZERO, "energy_kcal", energy_kcal)
    }

    /// A balanced day for a moderately active woman: 2100 kcal, 70 g protein
    /// (13 %E), 60 g fat (25.7 %E), 320 g carbohydrate (61 %E), 1800 mg sodium.
    fn balanced() -> Nutrients {
        n(2100, 70, 60, 320, 1800)
    }

    fn woman() -> Reference {
        Reference::for_adult(Sex::Female, Activity::Moderate)
    }

    fn find(report: &WeeklyReport, nutrient: Nutrient) -> Finding {
        *report
            .findings
            .iter()
            .find(|f| f.nutrient == nutrient)
            .unwrap_or_else(|| panic!("no {nutrient:?} finding"))
    }

    #[test]
    fn references_come_from_the_tables() {
        use Activity::*;
        use Sex::*;
        let cases = [
            (Male, Light, 2250, 65_000),
            (Male, Moderate, 2550, 65_000),
            (Male, Heavy, 3000, 65_000),
            (Female, Light, 1800, 55_000),
            (Female, Moderate, 2100, 55_000),
            (Female, Heavy, 2400, 55_000),
        ];
        for (sex, activity, energy, protein) in cases {
            let r = Reference::for_adult(sex, activity);
            let got = (r.energy_kcal, r.protein_mg);
            assert_eq!(got, (energy, protein), "{sex:?} {activity:?}");
            assert_eq!((r.fat_low_permille, r.fat_high_permille), (200, 300));
            let carbohydrate = (r.carbohydrate_low_permille, r.carbohydrate_high_permille);
            assert_eq!(carbohydrate, (500, 650));
            assert_eq!((r.sodium_ai_mg, r.sodium_pi_ncd_mg), (1500, 2000));
        }
    }

    #[test]
    fn nutrients_add_sum_and_scale() {
        let rice = n(232, 5, 1, 52, 5);
        let pork = n(395, 15, 34, 5, 780);
        let meal = n(627, 20, 35, 57, 785);
        assert_eq!(rice + pork, meal);
        assert_eq!([rice, pork].iter().sum::<Nutrients>(), meal);
        assert_eq!([rice, pork].into_iter().sum::<Nutrients>(), meal);
        assert_eq!(
            Vec::<Nutrients>::new().iter().sum::<Nutrients>(),
            Nutrients::ZERO
        );
        let mut acc = Nutrients::ZERO;
        acc += rice;
        acc += rice;
        assert_eq!(acc, rice.times(2));
        assert_eq!(rice.times(0), Nutrients::ZERO);
        assert_eq!(rice.times(3), n(696, 15, 3, 156, 15));
        let huge = kcal(i64::MAX);
        assert_eq!(huge + huge, huge);
        assert_eq!(huge.times(2), huge);
    }

    #[test]
    fn servings_are_checked() {
        // 632 kcal from protein, fat and carbohydrate.
        let ok = n(627, 20, 36, 57, 785);
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(Nutrients::ZERO.validate(), Ok(()));
        let cases = [
            (with(Nutrients::ZERO, "energy_kcal", -1), "energy_kcal"),
            (with(ok, "energy_kcal", MAX_SERVING_KCAL + 1), "energy_kcal"),
            (with(ok, "protein_mg", -5), "protein_mg"),
            (with(ok, "fat_mg", MAX_SERVING_MACRO_MG + 1), "fat_mg"),
            (with(ok, "carbohydrate_mg", -1), "carbohydrate_mg"),
            (
                with(ok, "sodium_mg", MAX_SERVING_SODIUM_MG + 1),
                "sodium_mg",
            ),
            // 2623 kJ entered as kcal.
            (with(ok, "energy_kcal", 2623), "energy_kcal"),
            // Grams entered in the mg fields.
            (
                Nutrients {
                    protein_mg: 20,
                    fat_mg: 36,
                    carbohydrate_mg: 57,
                    ..ok
                },
                "energy_kcal",
            ),
        ];
        for (serving, field) in cases {
            assert_eq!(serving.validate().unwrap_err().field, field, "{serving:?}");
        }
        // The slack is 20 kcal plus 30 % of the larger of the two.
        let cases = [
            // (stated kcal, from macros kcal, passes)
            (150, 100, true),
            (171, 100, true),
            (172, 100, false),
            (50, 100, true),
            (49, 100, false),
            (28, 0, true),
            (29, 0, false),
        ];
        for (stated, protein_kcal, passes) in cases {
            let serving = n(stated, protein_kcal / 4, 0, 0, 0);
            assert_eq!(
                serving.validate().is_ok(),
                passes,
                "{stated} vs {protein_kcal}"
            );
        }
    }

    #[test]
    fn a_balanced_week_is_on_target() {
        let report = weekly_report(7, &balanced().times(7), &woman());
        assert_eq!(report.days_with_data, 7);
        assert_eq!(report.coverage_percent, 100);
        assert!(report.partial);
        assert_eq!(report.energy_percent_of_eer, Some(100));
        let expected = [
            (
                Nutrient::Energy,
                Unit::KcalPerDay,
                2100,
                Some(1890),
                Some(2310),
            ),
            (
                Nutrient::Protein,
                Unit::MgPerDay,
                70_000,
                Some(55_000),
                None,
            ),
            // 60 g × 9 / 2100 kcal = 257.1 ‰.
            (
                Nutrient::Fat,
                Unit::PermilleOfEnergy,
                257,
                Some(200),
                Some(300),
            ),
            // 320 g × 4 / 2100 kcal = 609.5 ‰, rounded up.
            (
                Nutrient::Carbohydrate,
                Unit::PermilleOfEnergy,
                610,
                Some(500),
                Some(650),
            ),
            (
                Nutrient::Sodium,
                Unit::MgPerDay,
                1800,
                Some(1500),
                Some(2000),
            ),
        ];
        let got: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.nutrient, f.unit, f.value, f.target_low, f.target_high))
            .collect();
        assert_eq!(got, expected);
        assert!(report.findings.iter().all(|f| f.status == IntakeStatus::Ok));
        assert_eq!(report.suggestions, []);
    }

    #[test]
    fn an_empty_week_says_nothing() {
        let empty = WeeklyReport {
            days_with_data: 0,
            coverage_percent: 0,
            partial: true,
            energy_percent_of_eer: None,
            findings: vec![],
            suggestions: vec![],
        };
        assert_eq!(weekly_report(0, &Nutrients::ZERO, &woman()), empty);
        // Amounts with zero days are still no data (and no division by zero).
        assert_eq!(weekly_report(0, &balanced(), &woman()), empty);
    }

    #[test]
    fn days_without_energy_have_no_shares() {
        let report = weekly_report(2, &n(0, 10, 5, 0, 400), &woman());
        let nutrients: Vec<_> = report.findings.iter().map(|f| f.nutrient).collect();
        assert_eq!(
            nutrients,
            [Nutrient::Energy, Nutrient::Protein, Nutrient::Sodium]
        );
        assert_eq!(report.energy_percent_of_eer, Some(0));
        let expected = [
            Suggestion::MoreEnergy,
            Suggestion::MoreProtein,
            Suggestion::EatMoreRegularly,
        ];
        assert_eq!(report.suggestions, expected);
    }

    #[test]
    fn averages_and_coverage_round_half_up() {
        let cases = [
            // (days, total kcal, average kcal/day, coverage %)
            (7, 14_001, 2000, 100),
            (3, 5_000, 1667, 43),
            (2, 4_001, 2001, 29),
            (2, 4_003, 2002, 29),
            (1, 2_100, 2100, 14),
            (4, 8_400, 2100, 57),
            (5, 10_500, 2100, 71),
            (6, 12_600, 2100, 86),
            // More days than a week: averaged over them, coverage capped.
            (8, 16_800, 2100, 100),
            // Negative totals (bad data) count as zero.
            (1, -500, 0, 14),
        ];
        for (days, total, average, coverage) in cases {
            let report = weekly_report(days, &kcal(total), &woman());
            assert_eq!(
                find(&report, Nutrient::Energy).value,
                average,
                "{days} {total}"
            );
            assert_eq!(report.coverage_percent, coverage, "{days}");
        }
        // Of 2100 kcal: 1911 is 91.0 %, 1921 is 91.48 %, 1922 is 91.52 %.
        let cases = [(1911, 91), (1921, 91), (1922, 92), (0, 0)];
        for (day, percent) in cases {
            let report = weekly_report(1, &kcal(day), &woman());
            assert_eq!(report.energy_percent_of_eer, Some(percent), "{day}");
        }
    }

    #[test]
    fn statuses_include_their_bounds() {
        use IntakeStatus::{High, Low, Ok as In};
        // At 900 kcal a day, fat ‰ = fat mg / 100 and carbohydrate ‰ = mg / 225.
        let reference = Reference {
            energy_kcal: 900,
            ..woman()
        };
        let day = Nutrients {
            energy_kcal: 900,
            protein_mg: 55_000,
            fat_mg: 25_000,
            carbohydrate_mg: 130_000,
            sodium_mg: 1_800,
        };
        let cases = [
            // Fat: 199.49 ‰ low; 199.5 rounds to 200, in; 300.49 in; 300.5 rounds to 301, high.
            (Nutrient::Fat, "fat_mg", 19_949, 199, Low),
            (Nutrient::Fat, "fat_mg", 19_950, 200, In),
            (Nutrient::Fat, "fat_mg", 20_000, 200, In),
            (Nutrient::Fat, "fat_mg", 30_049, 300, In),
            (Nutrient::Fat, "fat_mg", 30_050, 301, High),
            (Nutrient::Carbohydrate, "carbohydrate_mg", 112_274, 499, Low),
            (Nutrient::Carbohydrate, "carbohydrate_mg", 112_500, 500, In),
            (Nutrient::Carbohydrate, "carbohydrate_mg", 146_250, 650, In),
            (
                Nutrient::Carbohydrate,
                "carbohydrate_mg",
                146_363,
                651,
                High,
            ),
            // Protein: the RNI is enough; no upper bound.
            (Nutrient::Protein, "protein_mg", 54_999, 54_999, Low),
            (Nutrient::Protein, "protein_mg", 55_000, 55_000, In),
            (Nutrient::Protein, "protein_mg", 500_000, 500_000, In),
            // Sodium: AI to PI-NCD.
            (Nutrient::Sodium, "sodium_mg", 1_499, 1_499, Low),
            (Nutrient::Sodium, "sodium_mg", 1_500, 1_500, In),
            (Nutrient::Sodium, "sodium_mg", 2_000, 2_000, In),
            (Nutrient::Sodium, "sodium_mg", 2_001, 2_001, High),
            // Energy: 90 % to 110 % of the EER, 810 to 990 kcal.
            (Nutrient::Energy, "energy_kcal", 809, 809, Low),
            (Nutrient::Energy, "energy_kcal", 810, 810, In),
            (Nutrient::Energy, "energy_kcal", 990, 990, In),
            (Nutrient::Energy, "energy_kcal", 991, 991, High),
        ];
        for (nutrient, field, amount, value, status) in cases {
            let week = with(day, field, amount).times(7);
            let f = find(&weekly_report(7, &week, &reference), nutrient);
            assert_eq!((f.value, f.status), (value, status), "{field} {amount}");
        }
    }

    #[test]
    fn each_suggestion_is_given() {
        use Suggestion::*;
        let b = balanced();
        let cases = [
            (7, n(1500, 70, 45, 230, 1800), vec![MoreEnergy]),
            (7, n(2700, 90, 77, 411, 1800), vec![LessEnergy]),
            (7, with(b, "protein_mg", 40_000), vec![MoreProtein]),
            // 40 g fat is 17.1 %E; 360 g carbohydrate 68.6 %E.
            (
                7,
                n(2100, 70, 40, 360, 1800),
                vec![MoreFat, LessCarbohydrate],
            ),
            // 90 g fat is 38.6 %E; 255 g carbohydrate 48.6 %E.
            (
                7,
                n(2100, 70, 90, 255, 1800),
                vec![LessFat, MoreCarbohydrate],
            ),
            (7, with(b, "sodium_mg", 3_200), vec![LessSodium]),
            // Low sodium gets no advice.
            (7, with(b, "sodium_mg", 900), vec![]),
            (REGULAR_DAYS - 1, b, vec![EatMoreRegularly]),
            (REGULAR_DAYS, b, vec![]),
            (
                1,
                n(3000, 40, 130, 300, 4500),
                vec![
                    LessEnergy,
                    MoreProtein,
                    LessFat,
                    MoreCarbohydrate,
                    LessSodium,
                    EatMoreRegularly,
                ],
            ),
        ];
        for (days, day, expected) in cases {
            let report = weekly_report(days, &day.times(days), &woman());
            assert_eq!(report.suggestions, expected, "{days} {day:?}");
        }
    }

    #[test]
    fn reports_are_snake_case_on_the_wire() {
        let report = weekly_report(3, &balanced().times(3), &woman());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["suggestions"],
            serde_json::json!(["eat_more_regularly"])
        );
        assert_eq!(json["findings"][2]["unit"], "permille_of_energy");
        assert_eq!(json["findings"][2]["nutrient"], "fat");
        assert_eq!(json["findings"][1]["target_high"], serde_json::Value::Null);
        let back: WeeklyReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, report);
        let newer: Vec<Suggestion> = serde_json::from_str(r#"["more_fibre","less_fat"]"#).unwrap();
        assert_eq!(newer, [Suggestion::Other, Suggestion::LessFat]);
    }
}
